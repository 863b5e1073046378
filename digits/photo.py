"""Turn an image of handwriting into 28x28 digits laid out as MNIST's are.

MNIST digits are white on black, their longer side scaled to 20 px with grey edges kept, and
pasted into 28x28 so that their centre of mass sits at the centre. People bring phone photos
(dark ink on light paper, off-centre, unevenly lit, noisy, maybe ruled), canvas drawings (either
colour, any brush), small blurry scans, tight crops, pages, and rows of digits. The steps, in
order (each written to --debug-dir when asked):

1. grey: colour is dropped (transparent parts laid on paper: digits.images.on_paper); large
   images are analysed at WORK_SIDE px (at REFINE_SIDE where nothing shows there), and a small
   digit is cut out of the full resolution and analysed again;
2. ink: the paper is what the image's border mostly shows; the ink is the side beyond it;
3. background: a morphological opening wider than any stroke estimates the uneven lighting;
4. flat: ink minus background, so shadows and gradients vanish (and a blank page is refused);
5. mask: Otsu's threshold of the flat image, with specks, ruled lines and border shadows removed;
6. crop: each digit's box, cut from the flat image (grey edges kept), then fitted and centred.

With `views`, each digit also comes rotated 10 degrees each way and, at each angle, shifted
by one pixel each way; `digits predict` averages the predictions of the fifteen. A photo's
digit is centred only to within a pixel of where MNIST's would be, and the paper or the phone
may be turned a little: neither can be measured from one digit, and the default MLP, which is
neither shift- nor rotation-invariant, is sensitive to both. docs/reading.md has the measurements.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from digits.images import MIN_SIDE, ImageError, NoDigitError, Upload, on_paper, read_grayscale

# Each constant below was swept by benchmarks/photo_constants.py over the seven sources of the
# reading benchmark (dev split, 200 images each, default MLP and `fast` model; docs/reading.md has
# the table). "Flat" means no source moved by more than one image in 200 over the range given.
WORK_SIDE = 320  # px: longer side images are analysed at (256 and 240: 15-25 % faster, but 9-10 images in 300 lost for 2 gained, mostly rows and pages) ...
REFINE_BELOW = 64  # px: ... ink less high than this there is cut from the full resolution (32 lost 2 % of rows; flat to 128) ...
REFINE_SIDE = 1280  # px: ... and analysed again at up to this size (a 5 mm digit at 300 dpi is 21 px high here)
LIGHTING_SIDE = 64  # px: the lighting is estimated on a copy this small across (flat from 32 to 128) ...
LIGHTING_KERNEL = 0.5  # ... by an opening this share of its height wide (1/3 lost 3.5-4.5 % of scans, 0.7 lost 5.5-6 % of photos)
NARROW_LIGHTING = 0.5  # ... or, looking again at a narrow image where only edges were found, this share of its width (flat from 0.25; 0.67 and 0.9 left a script 1 refused; scans, script, crops, photos, 1,000 each)
DIGIT_BOX = 20  # px: MNIST fits each digit's longer side into 20 px ...
CANVAS = 28  # px: ... inside a 28x28 image
MIN_CONTRAST = 20  # grey levels of ink above the paper below which the page counts as blank (flat from 5 to 30) ...
NOISE_MARGIN = 6  # ... or below this many times its noise (3-4 read a noisy blank page as a digit; 10 refused a scan)
INK_PIXELS = 8  # the ink's level is that of its 8th darkest or brightest pixel (flat from 2 to 40)
STROKE_RANGE = (0.087, 0.169)  # stroke width / digit size: MNIST's 10th and 90th percentiles (off: drawings -0.5 to -1 %)
BAND = 0.5  # a component lying on this share of its extent along a side is a shadow or an edge (flat from 0.3 to 0.7) ...
STRIP = 0.25  # ... and a strip if it reaches into the image less than this share of that (flat from 0.1; 0.5 refused tall 1s)
SPECK_FRACTION = 0.04  # components smaller than this share of the largest one are specks (flat from 0.01; 0.1 lost 0.5-1 % of crops)
LINE_SPAN = 0.6  # a ruled line crosses at least this share of the page (0.4 took strokes for lines; flat to 0.8) ...
LINE_ASPECT = 25  # ... and is at least this many times longer than thick (10 took strokes for lines: -1.5 %; flat to 50)
VIEW_ANGLES = (0, -10, 10)  # views: degrees the digit is turned (none: -0.5 % MLP; 5 or 15 within 0.3 %) ...
VIEW_SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))  # ... and (dx, dy) px from the centre (none: -0.1 % MLP, -0.3 % fast)
# Rows (--multi; whole numbers right, dev split; the row source's 200 rows unless said, docs/reading.md):
WIDE_DIGIT = 1.25  # a blob wider than this times a digit's height may be touching digits (1 MNIST digit in 8 is wider than high, 1 in 40 than 1.25x; rows and drawn rows, 300 each, MLP/fast: 1.0 cut 4s and 2s in two, -1/-1.3 and -3.7/-4.7 %; 1.5 missed touching digits) ...
BRIDGE = 0.2  # ... and is cut where a column holds less than this share of the fullest column's ink (0.1: +1.5 %, 0.3: -1.5 %) ...
MIN_PIECE = 0.15  # ... leaving at least this share of the blob's ink on either side (flat from 0.1 to 0.25) ...
PIECE_HEIGHT = 0.5  # ... and strokes at least this share of a digit's height; less is a fragment (0.3 and 0.7: within 0.5 %)

DebugWriter = Callable[[str, np.ndarray], None]


def prepare_digit(image: str | os.PathLike | Upload | np.ndarray, debug: DebugWriter | None = None, views: bool = False) -> np.ndarray:
    """One digit: an image path, upload or array (grey or BGR) in, a 28x28 uint8 MNIST-style digit out.

    With views, a (V, 28, 28) stack instead: that digit first, then turned and shifted copies (digit_views).
    """
    flat, mask = ink_mask(image, debug)
    digit = crop_digit(flat, mask, views)
    if debug:
        debug("6-digit", digit[0] if views else digit)
    return digit


def prepare_digits(image: str | os.PathLike | Upload | np.ndarray, debug: DebugWriter | None = None, views: bool = False) -> list[np.ndarray]:
    """A row of digits: each one, left to right, as prepare_digit makes it."""
    flat, mask = ink_mask(image, debug)
    digits = [crop_digit(flat, part, views) for part in split_digits(mask)]
    if debug:
        debug("6-digits", np.hstack([digit[0] if views else digit for digit in digits]))
    return digits


def ink_mask(image: str | os.PathLike | Upload | np.ndarray, debug: DebugWriter | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-5: the flattened ink image (bright ink on black) and the mask of the strokes to keep.

    Photos are analysed at WORK_SIDE px. Where nothing is found there (thin strokes on a large
    page can fade away in so small a copy), they are analysed again at up to REFINE_SIDE px. When
    the ink found is small (a digit in a corner of a large photo), it is analysed once more on a
    crop of the full-resolution image around it.
    """
    if isinstance(image, np.ndarray):
        name, grey = "image", _to_grey(image)
        full = grey
    else:
        name = image.name if isinstance(image, Upload) else str(image)
        grey = read_grayscale(image, min_side=WORK_SIDE)  # large JPEGs decode reduced
        full = grey if max(grey.shape) <= WORK_SIDE else None
    try:
        flat, mask = analyse(_reduce(grey, WORK_SIDE), name, debug)
    except ImageError:
        full = full if full is not None else read_grayscale(image)
        if max(full.shape) <= WORK_SIDE:
            raise
        flat, mask = analyse(_reduce(full, REFINE_SIDE), name, debug)
    # The ink's height decides: a row of digits is wide, but each digit is only as large as the row is high.
    left, top, width, size = cv2.boundingRect(mask)
    if size >= REFINE_BELOW or (full is not None and max(full.shape) <= max(mask.shape)):
        return flat, mask
    full = full if full is not None else read_grayscale(image)
    scale = max(full.shape) / max(mask.shape)
    margin = size // 2
    top, left, bottom, right = top - margin, left - margin, top + size + margin, left + width + margin
    top, left, bottom, right = max(0, int(top * scale)), max(0, int(left * scale)), int(bottom * scale), int(right * scale)
    return analyse(_reduce(full[top:bottom, left:right], REFINE_SIDE), name, debug)


def analyse(grey: np.ndarray, name: str, debug: DebugWriter | None) -> tuple[np.ndarray, np.ndarray]:
    """Steps 2-5 on one grey image (see the module docstring)."""
    # The paper is what most of the image's border shows, whether the digit is small in a photo,
    # fills a drawing's canvas or touches the edges of a tight crop: the middle half of the
    # border's levels (a shadow or a stroke may take a quarter of it at either end). The ink is
    # the side that reaches further beyond them: darker than the paper's darker part, or lighter
    # than its lighter part. (Judged on the whole image instead, thick strokes or a frame-filling
    # digit can outweigh the paper, and the paper inside a 0's loop is then read as the ink.)
    darkest, lightest = extremes(grey)
    paper = border(grey)
    paper_dark, paper_light = ranked(paper, [paper.size // 4, paper.size * 3 // 4])
    ink = 255 - grey if paper_dark - darkest > lightest - paper_light else grey
    background = estimate_background(ink)
    flat = cv2.subtract(ink, background)
    # Ink must stand out from the paper: the image's darkest and brightest pixels far enough apart
    # (where they are not, there are no sides to take: a digit too thin to see in a reduced copy
    # of a page), and once the lighting is subtracted, the ink above the paper (a shadow is not a digit).
    flat_paper = border(flat)
    above_paper = extremes(flat)[1] - ranked(flat_paper, [flat_paper.size // 2])[0]
    if not (stands_out(lightest - darkest, grey) and stands_out(above_paper, flat)):
        raise NoDigitError(f"{name}: no digit found (the image is blank)")
    mask = strokes(flat)
    if not mask.any() and lighting_window(ink) > ink.shape[1]:
        # Everything that stood out lay along the edges, and the lighting window was wider than
        # the image: it could not follow a shadow across, and the shadow, joined to the strokes,
        # was dropped with them as a strip (a narrow photo of a 1, half in shadow). Look again with
        # a window NARROW_LIGHTING of the image's width. Only images refused so far take this path.
        background = estimate_background(ink, most_width=int(NARROW_LIGHTING * ink.shape[1]))
        flat = cv2.subtract(ink, background)
        mask = strokes(flat)
    if not mask.any():
        raise NoDigitError(f"{name}: no digit found (only specks and lines)")
    if debug:
        for step, picture in (("1-grey", grey), ("2-ink", ink), ("3-background", background), ("4-flat", flat), ("5-mask", mask)):
            debug(step, picture)
    return flat, mask


def stands_out(contrast: float, image: np.ndarray) -> bool:
    """Whether ink `contrast` grey levels from the paper is visible: at least MIN_CONTRAST, and
    NOISE_MARGIN times the image's noise.

    The noise is the robust sigma (1.4826 times the median absolute value) of the differences
    between neighbouring pixels, divided by sqrt(2): smooth strokes, however large, and sharp
    edges, however many, barely move it, while the paper's grain sets it.
    """
    steps = cv2.absdiff(image[::2, 1:], image[::2, :-1])  # every other row: as good, twice as fast
    noise = 1.4826 * ranked(steps, [steps.size // 2])[0] / np.sqrt(2)
    return contrast >= max(MIN_CONTRAST, NOISE_MARGIN * noise)


def extremes(image: np.ndarray) -> tuple[float, float]:
    """The INK_PIXELS-th darkest and brightest pixels: single hot pixels or specks of dust do not
    count, the thinnest digit that can be read (a 1, 8 px high and a pixel wide) does."""
    rank = min(INK_PIXELS, image.size)
    return tuple(ranked(image, [rank - 1, image.size - rank]))


def ranked(pixels: np.ndarray, ranks: list[int]) -> list[float]:
    """The values at `ranks` (from 0) of uint8 pixels in sorted order, read off their histogram
    (several times faster than sorting or partitioning them; as one row, since OpenCV pays per row)."""
    counts = cv2.calcHist([np.ascontiguousarray(pixels).reshape(1, -1)], [0], None, [256], [0, 256]).ravel()
    return [float(value) for value in np.searchsorted(np.cumsum(counts), np.asarray(ranks) + 1)]


def border(image: np.ndarray) -> np.ndarray:
    """The pixels of the image's outermost ring (a wider ring, up to a tenth of the shorter side,
    read every source of the reading benchmark alike)."""
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def _reduce(grey: np.ndarray, side: int) -> np.ndarray:
    # `side` is passed at each call, not bound as a default: benchmarks/photo_constants.py changes WORK_SIDE.
    # The shorter side keeps MIN_SIDE px: a strip 3000 x 9 px brought to 320 px long would be 1 px wide.
    scale = max(side / max(grey.shape), MIN_SIDE / min(grey.shape))
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey


def strokes(flat: np.ndarray) -> np.ndarray:
    """The mask of the strokes in a flattened ink image: Otsu's threshold, clutter removed."""
    # The threshold sees a lightly blurred copy, so that noise does not fray the mask; the digit keeps its own pixels.
    _, mask = cv2.threshold(cv2.GaussianBlur(flat, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return remove_clutter(mask)


def lighting_window(ink: np.ndarray) -> int:
    """Side in px of the opening's window that estimate_background uses on `ink` (at ink's own scale)."""
    return int(LIGHTING_KERNEL * ink.shape[0])


def estimate_background(ink: np.ndarray, most_width: int | None = None) -> np.ndarray:
    """The lighting under bright strokes: an opening wider than any stroke removes them and leaves it.

    The kernel is LIGHTING_KERNEL of the image's height: digits stand upright, so a digit is at most
    as high as the image, and its strokes are at most about a quarter of its height (a thick brush
    on a small canvas); its width says nothing (a 1 may be no wider than its stroke). The lighting
    varies slowly, so it is estimated on a copy reduced to LIGHTING_SIDE px across (fast even
    with a wide kernel); a smaller image is used as it is. With `most_width`, the window is at most
    that many of ink's px wide.
    """
    scale = min(1.0, LIGHTING_SIDE / min(ink.shape))
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else ink
    size = max(3, lighting_window(small)) | 1
    width = size if most_width is None else min(size, max(3, int(most_width * scale)) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width, size)))
    return cv2.resize(cv2.blur(background, (width, size)), (ink.shape[1], ink.shape[0]), interpolation=cv2.INTER_LINEAR)


def remove_clutter(mask: np.ndarray) -> np.ndarray:
    """Drop ruled lines, components touching the border that look like shadows or lines, and specks."""
    mask = cv2.subtract(mask, cv2.dilate(ruled_lines(mask), np.ones((3, 3), np.uint8)))
    count, labels, stats, _ = label_components(mask)
    if count <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    # A shadow, the desk or the page's edge lies along the image's border; a digit that runs into
    # the border (a tight crop, a digit cut by the frame) mostly crosses it. So a component is a
    # band when, along some side of the image, it lies on at least BAND of its own extent there;
    # and a strip, when it also reaches into the image less than STRIP of that extent.
    band, strip = np.zeros(count - 1, bool), np.zeros(count - 1, bool)
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    for side, along, depth in ((labels[0], width, height), (labels[-1], width, height),
                               (labels[:, 0], height, width), (labels[:, -1], height, width)):
        on_side = np.bincount(side, minlength=count)[1:] >= BAND * along
        band |= on_side
        strip |= on_side & (depth < STRIP * along)
    # Bands are dropped when a digit is left, strips always: a digit in a tight crop may lie along
    # an edge (a 7's bar), but it reaches into the image; what is left of a shadow or of a
    # lighting gradient only hugs the edge.
    keep = (areas >= SPECK_FRACTION * areas.max()) & ~strip
    if (keep & ~band).any():
        keep &= ~band & (areas >= SPECK_FRACTION * areas[~band].max())
    if keep.all():
        return mask
    kept = np.zeros(count, np.uint8)  # component label -> 255 if kept (label 0 is the background)
    kept[1:][keep] = 255
    return kept[labels]


def label_components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats, 8-connected, with 16-bit labels when they cannot overflow:
    three times faster on a 320 px mask. Two 8-connected components are never adjacent, so an
    h x w mask holds at most ceil(h/2) x ceil(w/2) of them."""
    most = ((mask.shape[0] + 1) // 2) * ((mask.shape[1] + 1) // 2)
    return cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_16U if most < 2**16 else cv2.CV_32S)


def ruled_lines(mask: np.ndarray) -> np.ndarray:
    """Straight runs of ink spanning most of the page and far longer than thick: ruled lines, margins."""
    found = np.zeros_like(mask)
    for axis in (1, 0):  # along rows, then along columns
        length = mask.shape[axis]
        run = max(3, length // 2)
        # An opening along a row (or column) sees that row alone, and a run of half its length needs
        # that much ink in it: only such rows are opened (most images have none; opening is the costly step).
        ink = cv2.reduce(mask, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() // 255
        candidates = np.flatnonzero(ink >= run)
        if len(candidates) == 0:
            continue
        lines = (candidates, slice(None)) if axis == 1 else (slice(None), candidates)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1) if axis == 1 else (1, run))
        runs = np.zeros_like(mask)
        runs[lines] = cv2.morphologyEx(np.ascontiguousarray(mask[lines]), cv2.MORPH_OPEN, kernel)
        if not runs.any():
            continue
        count, labels, stats, _ = label_components(runs)
        for index in range(1, count):
            along = stats[index, cv2.CC_STAT_WIDTH if axis == 1 else cv2.CC_STAT_HEIGHT]
            across = stats[index, cv2.CC_STAT_HEIGHT if axis == 1 else cv2.CC_STAT_WIDTH]
            if along >= LINE_SPAN * length and along >= LINE_ASPECT * across:
                found[labels == index] = 255
    return found


def split_digits(mask: np.ndarray) -> list[np.ndarray]:
    """Masks of the digits in a row, left to right: parts of a broken stroke join, touching digits split."""
    count, labels, stats, _ = label_components(mask)
    boxes = sorted(
        [[stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH], [i]] for i in range(1, count)]
    )
    # Components whose columns overlap by half the narrower one belong to one digit (a broken stroke, a 5's bar).
    groups: list[list] = []
    for start, end, ids in boxes:
        if groups and min(end, groups[-1][1]) - start >= 0.5 * min(end - start, groups[-1][1] - groups[-1][0]):
            groups[-1][1] = max(groups[-1][1], end)
            groups[-1][2] += ids
        else:
            groups.append([start, end, ids])
    top, bottom = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT]

    def height(ids: list[int]) -> int:
        return int(bottom[ids].max() - top[ids].min())

    # The digits of a row are about as high as each other: the median group's height is a digit's.
    digit_height = float(np.median([height(ids) for _, _, ids in groups]))
    # A group less than PIECE_HEIGHT of a digit high is a fragment (a 5's bar, a broken stroke's
    # end) and joins its nearer neighbour.
    while len(groups) > 1 and min(height(ids) for _, _, ids in groups) < PIECE_HEIGHT * digit_height:
        index = int(np.argmin([height(ids) for _, _, ids in groups]))
        start, end, ids = groups.pop(index)
        gaps = [start - groups[index - 1][1] if index > 0 else np.inf, groups[index][0] - end if index < len(groups) else np.inf]
        neighbour = index - 1 if gaps[0] <= gaps[1] else index
        groups[neighbour] = [min(start, groups[neighbour][0]), max(end, groups[neighbour][1]), groups[neighbour][2] + ids]
    masks = [np.where(np.isin(labels, ids), 255, 0).astype(np.uint8) for _, _, ids in groups]
    return [part for group in masks for part in split_touching(group, digit_height)]


def split_touching(group: np.ndarray, digit_height: float) -> list[np.ndarray]:
    """Cut a blob wider than one digit at its thinnest column, again and again while pieces stay too wide.

    A blob counts as several digits when it is wider than WIDE_DIGIT times a digit's height and
    it has a column, with enough ink and a digit's height of strokes on both sides, that holds
    little ink: where two digits touch. A single wide digit such as a 0 has two strokes in every
    middle column, and a 7's bar has no digit-high stroke beyond it, so both stay whole.
    """
    start, _, width, _ = cv2.boundingRect(group)
    if width <= WIDE_DIGIT * digit_height:
        return [group]
    ink = group[:, start : start + width] > 0
    columns = np.count_nonzero(ink, axis=0)
    # The highest and lowest ink row of each column (empty columns stretch nothing), and the
    # height of the strokes left and right of each possible cut.
    rows = np.arange(len(ink))[:, None]
    tops, bottoms = np.where(ink, rows, len(ink)).min(axis=0), np.where(ink, rows, -1).max(axis=0)
    left_height = np.maximum.accumulate(bottoms) - np.minimum.accumulate(tops)
    right_height = (np.maximum.accumulate(bottoms[::-1]) - np.minimum.accumulate(tops[::-1]))[::-1]
    share = np.cumsum(columns) / columns.sum()
    candidates = np.flatnonzero(
        (share >= MIN_PIECE) & (share <= 1 - MIN_PIECE) & (np.r_[0, left_height[:-1]] >= PIECE_HEIGHT * digit_height)
        & (right_height >= PIECE_HEIGHT * digit_height)
    )
    if len(candidates) == 0:
        return [group]
    cut = int(candidates[np.argmin(columns[candidates])])
    if columns[cut] > BRIDGE * columns.max():
        return [group]
    left, right = np.zeros_like(group), np.zeros_like(group)
    left[:, start : start + cut] = group[:, start : start + cut]
    right[:, start + cut :] = group[:, start + cut :]
    return [*split_touching(left, digit_height), *split_touching(right, digit_height)]


def crop_digit(flat: np.ndarray, mask: np.ndarray, views: bool = False) -> np.ndarray:
    """Cut the masked digit out of the flat image, keep its grey edges, fit it into 20 px, centre it in 28x28.

    With views, the (V, 28, 28) stack of digit_views instead.
    """
    # A slightly dilated mask keeps the anti-aliased edge pixels Otsu's threshold cut off.
    keep = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    left, top, width, height = cv2.boundingRect(keep & (flat > 0).view(np.uint8))
    bottom, right = top + height, left + width
    digit = np.where(keep[top:bottom, left:right] > 0, flat[top:bottom, left:right], 0).astype(np.float32)
    digit = normalize_stroke_width(digit, mask[top:bottom, left:right])
    return digit_views(digit) if views else center_by_mass(fit_box(digit))


def digit_views(digit: np.ndarray) -> np.ndarray:
    """(V, 28, 28): the cropped digit turned by each of VIEW_ANGLES, then fitted and placed at each of
    VIEW_SHIFTS from the centre; the plain digit first, then its shifts, then the next angle's."""
    # Turning a copy already reduced to 4x the final size looks the same at 20 px, and costs far
    # less than turning a crop of a full-resolution photo.
    scale = min(1.0, 4 * DIGIT_BOX / max(digit.shape))
    small = cv2.resize(digit, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else digit
    views = []
    for angle in VIEW_ANGLES:
        box = fit_box(digit if angle == 0 else rotate(small, angle))
        dx, dy = mass_centring_shift(box)
        views += [place(box, (dx + x, dy + y)) for x, y in VIEW_SHIFTS]
    return np.stack(views)


def mnist_views(digit: np.ndarray) -> np.ndarray:
    """digit_views of a digit already in MNIST's form (28x28, white on black): its ink cut out, then turned and shifted."""
    rows, columns = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    return digit_views(digit[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1].astype(np.float32))


def rotate(digit: np.ndarray, angle: float) -> np.ndarray:
    """The cropped digit turned by `angle` degrees (counter-clockwise) about its centre, cropped to its ink again."""
    height, width = digit.shape
    side = int(np.ceil(np.hypot(height, width)))  # room for any angle
    top, left = (side - height) // 2 + 1, (side - width) // 2 + 1
    padded = cv2.copyMakeBorder(digit, top, top, left, left, cv2.BORDER_CONSTANT, value=0)
    turn = cv2.getRotationMatrix2D((padded.shape[1] / 2, padded.shape[0] / 2), angle, 1.0)
    turned = cv2.warpAffine(padded, turn, (padded.shape[1], padded.shape[0]), flags=cv2.INTER_LINEAR)
    # Interpolation smears a trace of ink around the strokes; it must not widen the box.
    left, top, width, height = cv2.boundingRect((turned > 0.05 * turned.max()).view(np.uint8))
    return turned[top : top + height, left : left + width]


def fit_box(digit: np.ndarray) -> np.ndarray:
    """Fit the digit's longer side into DIGIT_BOX px (anti-aliased), its strokes' cores at full brightness."""
    scale = DIGIT_BOX / max(digit.shape)
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    digit = cv2.resize(digit, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    # Strokes are saturated in MNIST: stretch the ink's brightness so that its cores reach 255.
    digit = np.clip(digit * 255 / max(1.0, top_decile(digit[digit > 0])), 0, 255)
    return np.round(digit).astype(np.uint8)


def top_decile(values: np.ndarray) -> float:
    """np.percentile(values, 90), interpolated as it does, from a partial sort: ten times faster on a digit's pixels."""
    position = 0.9 * (values.size - 1)
    low = int(position)
    high = min(low + 1, values.size - 1)
    part = np.partition(values, [low, high])
    return float(part[low] + (part[high] - part[low]) * (position - low))


def normalize_stroke_width(digit: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """Thicken hairlines and thin marker strokes into MNIST's usual range, measured relative to the digit's size.

    Stroke width is estimated as 2 x area / perimeter of the stroke mask (a long stroke of width w
    has area ~ L w and perimeter ~ 2 L). MNIST's middle 80 % lies within STROKE_RANGE of the
    digit's longer side; a digit outside it is dilated or eroded to the nearer bound.
    """
    contours, _ = cv2.findContours(strokes, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, True) for contour in contours)
    if perimeter == 0:
        return digit
    size = max(strokes.shape)
    ratio = 2 * np.count_nonzero(strokes) / perimeter / size
    target = min(max(ratio, STROKE_RANGE[0]), STROKE_RANGE[1])
    # Dilating by a radius r widens every stroke by 2 r.
    radius = int(round((target - ratio) * size / 2))
    if radius == 0:
        return digit
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1, 2 * abs(radius) + 1))
    if radius < 0:
        return cv2.erode(digit, kernel)
    # Room around the crop, so that the thickened strokes are not cut at its edges.
    return cv2.dilate(cv2.copyMakeBorder(digit, *[radius] * 4, cv2.BORDER_CONSTANT, value=0), kernel)


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste `digit` (at most 20x20) into a 28x28 canvas with its centre of mass at the centre."""
    return place(digit, mass_centring_shift(digit))


def mass_centring_shift(digit: np.ndarray) -> tuple[int, int]:
    """The (dx, dy) that moves the digit's centre of mass to the canvas' centre, in whole pixels.

    The shift is rounded to whole pixels, as MNIST's was, so the strokes are not blurred again.
    """
    # Not cv2.moments, which takes an array two pixels wide (a thin upright 1) for a list of points.
    mass = digit.astype(np.float64)
    total = mass.sum()
    if total == 0:
        raise ImageError("no ink to centre")
    row = mass.sum(axis=1) @ np.arange(digit.shape[0]) / total
    column = mass.sum(axis=0) @ np.arange(digit.shape[1]) / total
    # MNIST's digits have their centre of mass at pixel (14, 14), not at the canvas' geometric
    # centre (13.5, 13.5): its test digits average x 14.01, y 13.99. Matching that, rather than
    # the geometric centre, took the default MLP from 1.5 points below its clean accuracy to level,
    # on MNIST test digits scaled up 8x and prepared again (docs/reading.md: "History").
    return round(CANVAS / 2 - column), round(CANVAS / 2 - row)


def place(digit: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    """The 28x28 canvas with the digit's top-left corner moved by (dx, dy) px from the canvas' corner."""
    translation = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    return cv2.warpAffine(digit, translation, (CANVAS, CANVAS), flags=cv2.INTER_NEAREST, borderValue=0)


def debug_writer(directory: str | os.PathLike, image_name: str) -> DebugWriter:
    """Write each step as DIR/<image stem>-<step>.png."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    def write(step: str, picture: np.ndarray) -> None:
        cv2.imwrite(str(directory / f"{Path(image_name).stem}-{step}.png"), picture)

    return write


def _to_grey(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (3, 4):
        image = on_paper(image) if image.shape[2] == 4 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ImageError(f"expected a uint8 grey or BGR image, got {image.dtype} {image.shape}")
    return image
