"""Training-time augmentation on whole batches in tf.data: the shapes, pens and blur of people's writing.

Each image gets, in this order and each only when its param is above 0:
- geometry: a random rotation, zoom and shift, and an elastic distortion (Simard et al. 2003),
  composed into one map of where each output pixel samples the input, so that each image is
  resampled once (three Keras layers resample three times, blurring more); without the elastic
  part, by TensorFlow's projective-transform op, as before it existed (the `best` preset's
  augmentation is unchanged to the bit);
- pen: strokes made thicker or thinner by up to `augment_pen` px;
- blur: a Gaussian blur of up to `augment_blur` px, as a low-resolution scan or a soft photo
  gives, with the ink then stretched back to full brightness as digits.photo does.
The function runs in the tf.data pipeline, not in the model: the affine part cost 0.2 s per epoch
of the `best` preset on 2 cores there, against 6.4 s for Keras' RandomRotation, RandomZoom and
RandomTranslation layers in the model (docs/benchmarks.md). The saved model so holds no
training-only layers, and inference never sees augmentation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from digits.backend import keras, tf
from digits.params import TrainParams

SIDE = 28  # px: MNIST's images
CENTRE = 13.5  # the centre of a 28x28 image, in pixel coordinates
ELASTIC_SIGMA = 4.0  # px: smoothness of the elastic displacement field, Simard et al.'s value for MNIST


def random_augmentation(params: TrainParams) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor] | None:
    """A function (uint8 image batch, seed of shape [2]) -> the batch augmented; None when augmentation is off."""
    geometry = params.augment_shift or params.augment_rotation or params.augment_zoom or params.augment_elastic
    if not (geometry or params.augment_pen or params.augment_blur):
        return None

    def transform(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        # Each step draws from its own stream of the batch's seed.
        pixels = tf.cast(images, tf.float32)
        if geometry:
            transforms = affine_transforms(params, tf.shape(images)[0], seed)
            if params.augment_elastic:
                pixels = resample(pixels, sample_coordinates(transforms) + elastic_field(tf.shape(images)[0], params.augment_elastic, seed + [0, 3]))
            else:
                # TensorFlow's own projective-transform op: about 3x faster than sampling each pixel (resample).
                pixels = keras.ops.image.affine_transform(pixels[..., None], transforms, interpolation="bilinear", fill_mode="constant")[..., 0]
        if params.augment_pen:
            pixels = change_pen(pixels, params.augment_pen, seed + [0, 1])
        if params.augment_blur:
            pixels = blur(pixels, params.augment_blur, seed + [0, 2])
        return tf.cast(tf.round(tf.clip_by_value(pixels, 0, 255)), tf.uint8)

    return transform


def affine_transforms(params: TrainParams, count: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """(count, 8): a random rotation, zoom and shift per image, as the rows (a0, a1, a2, b0, b1, b2, 0, 0)
    of a map from each output pixel (x, y) to the input pixel (a0 x + a1 y + a2, b0 x + b1 y + b2) it samples."""
    # Four uniform draws in [-1, 1] per image: angle, zoom, horizontal and vertical shift.
    draws = tf.random.stateless_uniform([count, 4], seed=seed, minval=-1.0, maxval=1.0)
    angle = draws[:, 0] * params.augment_rotation * math.pi / 180
    # A scale above 1 samples a larger area, so the digit comes out smaller.
    scale = 1.0 + draws[:, 1] * params.augment_zoom
    shift_x, shift_y = draws[:, 2] * params.augment_shift * SIDE, draws[:, 3] * params.augment_shift * SIDE
    cos, sin = tf.cos(angle) * scale, tf.sin(angle) * scale
    # Rotate and scale about the image centre, then shift.
    offset_x = CENTRE - cos * CENTRE + sin * CENTRE - shift_x
    offset_y = CENTRE - sin * CENTRE - cos * CENTRE - shift_y
    zeros = tf.zeros_like(cos)
    return tf.stack([cos, -sin, offset_x, sin, cos, offset_y, zeros, zeros], axis=1)


def sample_coordinates(transforms: tf.Tensor) -> tf.Tensor:
    """(n, 28, 28, 2): the (row, column) each output pixel samples under each image's affine map."""
    rows, columns = tf.meshgrid(tf.range(SIDE, dtype=tf.float32), tf.range(SIDE, dtype=tf.float32), indexing="ij")
    a = [transforms[:, i, None, None] for i in range(6)]
    return tf.stack([a[3] * columns + a[4] * rows + a[5], a[0] * columns + a[1] * rows + a[2]], axis=-1)


def elastic_field(count: tf.Tensor, size: float, seed: tf.Tensor) -> tf.Tensor:
    """(count, 28, 28, 2) smooth random displacements: uniform noise smoothed by a Gaussian of
    ELASTIC_SIGMA px (Simard et al. 2003), scaled to a root-mean-square length of `size` px per image."""
    noise = tf.random.stateless_uniform([count, SIDE, SIDE, 2], seed=seed, minval=-1.0, maxval=1.0)
    field = gaussian_blur(noise, tf.fill([count], ELASTIC_SIGMA))
    rms = tf.sqrt(tf.reduce_mean(tf.reduce_sum(field**2, axis=-1), axis=[1, 2], keepdims=True))[..., None]
    return field * size / (rms + 1e-6)


def resample(pixels: tf.Tensor, coordinates: tf.Tensor) -> tf.Tensor:
    """Bilinear sampling of (n, 28, 28) images at (n, 28, 28, 2) (row, column) coordinates; outside is black."""
    # A one-pixel black frame, and every corner clipped into it: whatever falls outside reads 0.
    # The images are gathered from as one flat vector (several times faster than gather_nd here).
    framed = tf.reshape(tf.pad(pixels, [[0, 0], [1, 1], [1, 1]]), [-1])
    first = tf.range(tf.shape(pixels)[0])[:, None, None] * (SIDE + 2) ** 2  # each image's first framed pixel
    top_left = tf.floor(coordinates)
    weight = coordinates - top_left  # (n, 28, 28, 2): how far past the top-left corner
    sampled = 0.0
    for step_y, step_x in ((0, 0), (0, 1), (1, 0), (1, 1)):
        corner = tf.cast(tf.clip_by_value(top_left + [step_y, step_x], -1, SIDE), tf.int32) + 1
        share = (weight[..., 0] if step_y else 1 - weight[..., 0]) * (weight[..., 1] if step_x else 1 - weight[..., 1])
        sampled += share * tf.gather(framed, first + corner[..., 0] * (SIDE + 2) + corner[..., 1])
    return sampled


def change_pen(pixels: tf.Tensor, most: float, seed: tf.Tensor) -> tf.Tensor:
    """Strokes thicker or thinner by up to `most` px in all: a blend towards the 3x3 grey dilation
    (2 px thicker) or erosion (2 px thinner), by a random share per image."""
    change = tf.random.stateless_uniform([tf.shape(pixels)[0], 1, 1], seed=seed, minval=-1.0, maxval=1.0) * most / 2
    # The 3x3 maximum and minimum from shifted copies: tf.nn.max_pool2d took 13 ms a batch on 2 cores.
    framed = tf.pad(pixels, [[0, 0], [1, 1], [1, 1]])
    shifted = [framed[:, y : y + SIDE, x : x + SIDE] for y in range(3) for x in range(3)]
    thicker = tf.reduce_max(tf.stack(shifted), axis=0)
    thinner = tf.reduce_min(tf.stack(shifted), axis=0)  # the frame's black erodes edge pixels, as it should
    return pixels + tf.nn.relu(change) * (thicker - pixels) + tf.nn.relu(-change) * (thinner - pixels)


def blur(pixels: tf.Tensor, most: float, seed: tf.Tensor) -> tf.Tensor:
    """A Gaussian blur of a random sigma up to `most` px per image, ink stretched back to 255 at its brightest."""
    sigmas = tf.random.stateless_uniform([tf.shape(pixels)[0]], seed=seed, minval=0.0, maxval=most)
    blurred = gaussian_blur(pixels[..., None], sigmas)[..., 0]
    return blurred * 255 / tf.maximum(tf.reduce_max(blurred, axis=[1, 2], keepdims=True), 1.0)


def gaussian_blur(images: tf.Tensor, sigmas: tf.Tensor) -> tf.Tensor:
    """(n, 28, 28, c) images each blurred by its own sigma (px), zero outside."""
    radius = 2 * SIDE // 3  # wide enough for every sigma used here (at most 4 px: 3.5 sigma)
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernels = tf.exp(-0.5 * (offsets[None, :] / tf.maximum(sigmas[:, None], 1e-3)) ** 2)
    kernels /= tf.reduce_sum(kernels, axis=1, keepdims=True)  # (n, taps)
    # Separable: along rows, then along columns, as matrix products with each image's own band matrix.
    band = tf.gather(kernels, tf.clip_by_value(tf.range(SIDE)[None, :] - tf.range(SIDE)[:, None] + radius, 0, 2 * radius), axis=1)
    inside = tf.cast(tf.abs(tf.range(SIDE)[None, :] - tf.range(SIDE)[:, None]) <= radius, tf.float32)
    band *= inside  # (n, 28, 28): band[n, i, j] = image n's kernel at j - i
    rows = tf.transpose(tf.linalg.matmul(band[:, None], tf.transpose(images, [0, 3, 1, 2])), [0, 2, 3, 1])  # along rows
    return tf.transpose(tf.linalg.matmul(tf.transpose(rows, [0, 3, 1, 2]), band[:, None], transpose_b=True), [0, 2, 3, 1])
