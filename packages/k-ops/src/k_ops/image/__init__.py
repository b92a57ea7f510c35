"""Image ops (`keras.ops.image`), built once from other public ops.

filters: colour spaces, pad/crop, blurs and edges; resize: resize and scale_and_translate;
geometry: affine, perspective and elastic transforms, map_coordinates; patches: patch
extraction and ssim.
"""

from k_ops.image import filters as _filters
from k_ops.image import geometry as _geometry
from k_ops.image import patches as _patches
from k_ops.image import resize as _resize

__all__ = [*_filters.__all__, *_resize.__all__, *_geometry.__all__, *_patches.__all__]

from k_ops.image.filters import *  # noqa: E402, F403
from k_ops.image.geometry import *  # noqa: E402, F403
from k_ops.image.patches import *  # noqa: E402, F403
from k_ops.image.resize import *  # noqa: E402, F403
