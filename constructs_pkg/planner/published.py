"""Every public scale-out number the planner is fitted to and judged by: data only, each row with its source.

AWS Machine Learning Blog, "Introducing container caching in Amazon SageMaker AI for faster model scaling"
(2026-06-16), read through re-publications that quote it ([BLOG-CACHE] in the fact sheet):
- Qwen3-8B on ml.g6.2xlarge with the LMI container (17.7 GB compressed): from provisioning to healthy 525 s without
  the image cache, 258 s with it; the ECR pull (333 s) and the S3 model download (168 s) ran in parallel, and the
  download fell to 77 s once the pull was gone. The model size is not in the blog: 16.4 GB = 8.2 B parameters x 2
  bytes (bf16), assumed.
- Three early-access customers, P50 from provisioning to healthy, without and with the cache (instance, image GB,
  model GB as the blog's table gives them).

All rows are S3 model artifacts onto a new instance (the blog's setting), so none of them says anything about a copy
placed on a running instance or a hub download: those modes rest on the same constants and are marked assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "AWS ML Blog, 'Introducing container caching in Amazon SageMaker AI for faster model scaling', 2026-06-16"

#: What a row measures: ``startup`` (provisioning start -> healthy), or one transfer stage's own seconds.
STARTUP, IMAGE_PULL, MODEL_DOWNLOAD = "startup", "image_pull", "model_download"


@dataclass(frozen=True, kw_only=True)
class PublishedRow:
    """One published number: what was measured, on what, and its value in seconds."""

    id: str
    instance_type: str
    image_gb: float
    model_gb: float
    cache: bool
    measures: str
    seconds: float
    source: str = SOURCE

    @property
    def label(self) -> str:
        return f"{self.id}: {self.measures}, cache {'on' if self.cache else 'off'}, {self.instance_type}"


def _row(id: str, instance: str, image: float, model: float, cache: bool, measures: str, seconds: float) -> PublishedRow:
    return PublishedRow(id=id, instance_type=instance, image_gb=image, model_gb=model, cache=cache, measures=measures,
                        seconds=seconds)  # fmt: skip


#: The eleven published numbers, in the blog's order.
ROWS: tuple[PublishedRow, ...] = (
    _row("qwen3-8b", "ml.g6.2xlarge", 17.7, 16.4, False, STARTUP, 525),
    _row("qwen3-8b", "ml.g6.2xlarge", 17.7, 16.4, True, STARTUP, 258),
    _row("qwen3-8b", "ml.g6.2xlarge", 17.7, 16.4, False, IMAGE_PULL, 333),
    _row("qwen3-8b", "ml.g6.2xlarge", 17.7, 16.4, False, MODEL_DOWNLOAD, 168),
    _row("qwen3-8b", "ml.g6.2xlarge", 17.7, 16.4, True, MODEL_DOWNLOAD, 77),
    _row("customer-1", "ml.g4dn.xlarge", 15.7, 0.0, False, STARTUP, 381),
    _row("customer-1", "ml.g4dn.xlarge", 15.7, 0.0, True, STARTUP, 134),
    _row("customer-2", "ml.g5.2xlarge", 17.5, 5.8, False, STARTUP, 346),
    _row("customer-2", "ml.g5.2xlarge", 17.5, 5.8, True, STARTUP, 164),
    _row("customer-3", "ml.g5.xlarge", 10.6, 6.5, False, STARTUP, 346),
    _row("customer-3", "ml.g5.xlarge", 10.6, 6.5, True, STARTUP, 216),
)  # fmt: skip
