import subprocess
import sys
import textwrap

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
