import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.conftest import ROOT

# TensorFlow fixes its devices when it starts, so each check runs in a fresh interpreter
# whose CPU is split into two logical devices before anything else touches TensorFlow.
TWO_CPU_DEVICES = """
import dataclasses
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from digits.models import build_model
from digits.params import load_params
from digits.training import distribution_strategy, make_deterministic, train_model
from tests.conftest import synthetic_mnist

params = dataclasses.replace(load_params("train"), hidden_units=(32,), epochs=3, batch_size=64)
"""


def run_with_two_cpu_devices(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", TWO_CPU_DEVICES + textwrap.dedent(code)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_mirrored_training_uses_both_devices_and_learns():
    output = run_with_two_cpu_devices("""
        strategy = distribution_strategy("mirrored")
        print("replicas", strategy.num_replicas_in_sync)
        make_deterministic(0)
        images, labels = synthetic_mnist(512, seed=0)
        with strategy.scope():
            model = build_model(params)
            history = train_model(model, (images, labels), (images[:64], labels[:64]), params, [])
        print("variables on", sorted({v.device.split("/")[-1] for v in model.trainable_variables[0].value.values}))
        print("loss", history.history["loss"][0], history.history["loss"][-1])
    """)
    lines = dict(line.split(" ", 1) for line in output.splitlines() if line.startswith(("replicas", "loss", "variables")))
    assert lines["replicas"] == "2"
    assert lines["variables"] == "on ['device:CPU:0', 'device:CPU:1']"
    first, last = map(float, lines["loss"].split())
    assert last < first


def test_auto_and_off_stay_on_one_device_without_several_gpus():
    output = run_with_two_cpu_devices("""
        for mode in ("auto", "off"):
            strategy = distribution_strategy(mode)
            print(mode, type(strategy).__name__, strategy.num_replicas_in_sync)
    """)
    assert "auto _DefaultDistributionStrategy 1" in output
    assert "off _DefaultDistributionStrategy 1" in output


def test_each_epoch_runs_exactly_its_steps_so_the_schedule_ends_with_training():
    from digits.models import build_model
    from digits.training import epoch_layout, train_model
    from tests.conftest import synthetic_mnist
    from tests.test_models import params_with

    # (steps per epoch, per call): whole calls, at least 8 steps each once an epoch is longer than 20.
    assert [epoch_layout(n) for n in (2, 20, 215, 239, 430, 477)] == [(2, 2), (20, 20), (216, 18), (240, 20), (430, 10), (477, 9)]
    params = params_with(hidden_units=(8,), epochs=3, batch_size=128)
    images, labels = synthetic_mnist(300, seed=0)  # 3 steps per epoch
    model = build_model(params)
    history = train_model(model, (images, labels), (images[:50], labels[:50]), params, [])
    assert int(model.optimizer.iterations) == 9
    # The cosine schedule reaches zero only at the last step, so the last epoch still learns.
    assert float(model.optimizer.learning_rate) == 0.0 and history.history["loss"][-1] < history.history["loss"][-2]


def test_non_digits_get_a_flat_target_their_weight_and_no_accuracy():
    from digits.training import NON_DIGIT, DigitAccuracy, make_dataset, with_non_digits

    digits = (np.zeros((3, 28, 28), np.uint8), np.array([1, 2, 3], np.uint8))
    images, labels = with_non_digits(digits, np.full((2, 28, 28), 255, np.uint8))
    assert list(labels) == [1, 2, 3, NON_DIGIT, NON_DIGIT] and len(images) == 5
    _, targets, weights = next(iter(make_dataset(images, labels, batch_size=5, non_digit_weight=0.5)))
    assert np.allclose(targets[3:], 0.1) and np.allclose(targets[:3].numpy().argmax(axis=1), [1, 2, 3])
    assert list(weights.numpy()) == [1, 1, 1, 0.5, 0.5]
    accuracy = DigitAccuracy()
    predicted = np.eye(10)[[1, 2, 0, 0, 0]]  # two digits right, one wrong; the non-digits "read" as 0
    accuracy.update_state(targets, predicted)
    assert float(accuracy.result()) == pytest.approx(2 / 3)


@pytest.mark.parametrize("threads, expected", [(1, 1), (0, 0)])
def test_intra_op_threads_reach_tensorflow(threads, expected):
    # A fresh interpreter: TensorFlow fixes its thread pools when it runs its first op.
    code = f"""
from digits.backend import tf
from digits.training import use_threads
use_threads({threads})
tf.constant(1.0) + 1.0
print(tf.config.threading.get_intra_op_parallelism_threads())
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == str(expected)
