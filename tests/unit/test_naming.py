import re

import pytest

from constructs_pkg._naming import SAGEMAKER_NAME, physical_name


def test_name_is_lowercase_readable_and_hashed():
    name = physical_name("MyStack/Llm/Endpoint")
    assert re.fullmatch(r"mystack-llm-endpoint-[0-9a-f]{8}", name)


def test_name_is_deterministic_and_distinct_per_path():
    assert physical_name("A/B") == physical_name("A/B")
    assert physical_name("A/B") != physical_name("A/b_")  # same readable part, different path


@pytest.mark.parametrize("path", ["S/" + "VeryLongConstructName" * 10, "S/--__--/x", "___/***"])
def test_name_fits_the_sagemaker_pattern(path):
    name = physical_name(path)
    assert len(name) <= 63
    assert SAGEMAKER_NAME.match(name), name
    assert name == name.lower()


def test_long_paths_keep_their_tail():
    name = physical_name("Stack/" + "a" * 80 + "/Endpoint")
    assert len(name) == 63
    assert re.fullmatch(r"a+-endpoint-[0-9a-f]{8}", name), name
