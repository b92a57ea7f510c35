"""Image ops (`keras.ops.image`), built once from other public ops.

filters: colour spaces, pad/crop, blurs and edges; resize: resize and scale_and_translate;
geometry: affine, perspective and elastic transforms, map_coordinates; patches: patch
extraction and ssim.
"""

from k_ops.image import filters, geometry, patches, resize
from k_ops.image.filters import *  # noqa: F403
from k_ops.image.geometry import *  # noqa: F403
from k_ops.image.patches import *  # noqa: F403
from k_ops.image.resize import *  # noqa: F403

__all__ = [*filters.__all__, *resize.__all__, *geometry.__all__, *patches.__all__]
