"""The Layer base: building, weights, tracking, training/mask propagation, dtype policies, stateless calls."""

import numpy as np
import pytest
from toys import Counter, Linear

from k_backends.seed import SeedGenerator
from k_backends.variables import StatelessScope
from k_layers import dtype_policies
from k_layers.layer import Layer, get_mask
from k_ops import numpy as knp
from k_ops import random
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy


class Noisy(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = SeedGenerator(3)

    def call(self, x, training=False):
        return x + random.normal(tuple(x.shape), seed=self.seed_generator) if training else x


class Block(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.layers_list = [Linear(4), Linear(2)]
        self.by_name = {"counter": Counter()}

    def call(self, x, training=None):
        return self.by_name["counter"](self.layers_list[1](self.layers_list[0](x)), training=training)


def test_build_on_first_call_creates_named_weights():
    layer = Linear(3, name="lin")
    y = layer(np.ones((2, 5), "float32"))
    assert layer.built
    assert [w.path for w in layer.weights] == ["lin/kernel", "lin/bias"]
    assert_close(y, np.full((2, 3), 5.0), dtype="float32")
    assert layer.count_params() == 18
    assert layer.get_build_config() == {"input_shape": (2, 5)}


def test_default_names_are_unique_snake_case():
    a, b = Linear(1), Linear(1)
    assert a.name.startswith("linear") and b.name.startswith("linear") and a.name != b.name


def test_sub_layers_in_lists_and_dicts_are_tracked_with_nested_paths():
    block = Block(name="block")
    block(np.ones((1, 3), "float32"))
    assert [w.path for w in block.trainable_weights] == [
        f"block/{block.layers_list[0].name}/kernel", f"block/{block.layers_list[0].name}/bias",
        f"block/{block.layers_list[1].name}/kernel", f"block/{block.layers_list[1].name}/bias"]
    assert [w.name for w in block.non_trainable_weights] == ["count"]
    assert len(block.weights) == 5


def test_freezing_propagates_to_sub_layers():
    block = Block()
    block(np.ones((1, 3), "float32"))
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 5
    assert not block.layers_list[0].trainable
    block.trainable = True
    assert len(block.trainable_weights) == 4


def test_training_flag_reaches_nested_layers():
    block = Block()
    x = np.ones((1, 3), "float32")
    block(x, training=True)
    block(x)
    block(x, training=False)
    assert float(to_numpy(block.by_name["counter"].count.value)) == 1.0


def test_weight_regularizer_losses_and_add_loss():
    class WithLoss(Layer):
        def call(self, x):
            self.add_loss(knp.sum(x))
            return x

    layer = Linear(2)
    layer(np.ones((1, 2), "float32"))
    assert len(layer.losses) == 1
    assert_close(layer.losses[0], 0.01 * 4.0, dtype="float32")
    extra = WithLoss()
    extra(np.ones((2, 2), "float32"))
    extra(np.ones((1, 2), "float32"))  # losses are those of the last call
    assert len(extra.losses) == 1 and float(to_numpy(extra.losses[0])) == 2.0


def test_activity_regularizer_adds_a_loss_per_call():
    layer = Linear(1, activity_regularizer="l1")
    layer(np.ones((1, 2), "float32"))
    assert len(layer.losses) == 2  # the activity term and the kernel's l2


def test_input_spec_errors_name_the_layer_and_shapes():
    layer = Linear(2, name="checked")
    with pytest.raises(ValueError, match=r"checked.*min_ndim=2, found ndim=1"):
        layer(np.ones((3,), "float32"))
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"checked.*axis -1 .* value 3.*\(1, 4\)"):
        layer(np.ones((1, 4), "float32"))


def test_symbolic_call_gives_output_spec_and_builds():
    layer = Linear(4)
    y = layer(KerasTensor((None, 3)))
    assert isinstance(y, KerasTensor) and y.shape == (None, 4) and y.dtype == "float32"
    assert layer.built and layer.kernel.shape == (3, 4)
    assert layer.compute_output_shape((None, 3)) == (None, 4)


def test_set_weights_checks_count_and_shapes():
    layer = Linear(2)
    layer(np.ones((1, 3), "float32"))
    layer.set_weights([np.full((3, 2), 2.0), np.ones(2)])
    assert_close(layer(np.ones((1, 3), "float32")), np.full((1, 2), 7.0))
    with pytest.raises(ValueError, match="has 2 weights"):
        layer.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2, 2\)"):
        layer.set_weights([np.ones((2, 2)), np.ones(2)])


def test_mixed_precision_policy_casts_inputs_and_keeps_float32_variables():
    layer = Linear(2, dtype="mixed_bfloat16")
    y = layer(np.ones((1, 3), "float32"))
    assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"
    assert layer.kernel.dtype == "float32"
    assert_close(y, np.full((1, 2), 3.0), dtype="bfloat16")
    assert layer.get_config()["dtype"]["config"] == {"name": "mixed_bfloat16"}


def test_global_dtype_policy():
    dtype_policies.set_dtype_policy("mixed_float16")
    try:
        layer = Linear(2)
        assert layer.compute_dtype == "float16" and layer.dtype == "float32"
    finally:
        dtype_policies.set_dtype_policy("float32")
    assert Linear(2).compute_dtype == "float32"


def test_masks_propagate_through_masking_aware_layers():
    class MakeMask(Layer):
        def call(self, x):
            return x

        def compute_mask(self, x, previous_mask=None):
            return knp.not_equal(x[..., 0], 0)

    class PassThrough(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x):
            return x * 2.0

    class UsesMask(Layer):
        def call(self, x, mask=None):
            return knp.where(mask[..., None], x, -1.0)

    x = np.array([[[1.0], [0.0], [2.0]]], "float32")
    y = PassThrough()(MakeMask()(x))
    assert to_numpy(get_mask(y)).tolist() == [[True, False, True]]
    assert_close(UsesMask()(y), np.array([[[2.0], [-1.0], [4.0]]]))


def test_stateless_call_is_a_pure_function_of_the_given_values():
    layer = Counter()
    layer(np.ones((1, 2), "float32"))
    block = Linear(2)
    block(np.ones((1, 2), "float32"))
    kernel = np.full((2, 2), 3.0, "float32")
    x = np.ones((1, 2), "float32")
    out, non_trainable = block.stateless_call([kernel, np.zeros(2, "float32")], [], x)
    assert_close(out, np.full((1, 2), 6.0))
    assert_close(block.kernel.value, np.ones((2, 2)))  # unchanged
    _, values = layer.stateless_call([], [np.array(5.0, "float32")], x, training=True)
    assert float(to_numpy(values[0])) == 6.0 and float(to_numpy(layer.count.value)) == 0.0
    with pytest.raises(ValueError, match="1 non-trainable"):
        layer.stateless_call([], [], np.ones((1, 2), "float32"))


def test_seed_generator_state_is_a_non_trainable_variable():
    layer = Noisy()
    x = np.zeros((2, 2), "float32")
    layer(x)
    assert layer.weights == [] and len(layer.non_trainable_variables) == 1
    state = layer.non_trainable_variables[0]
    with StatelessScope([(state, to_numpy(state.value))]) as scope:
        layer(x, training=True)
    assert to_numpy(scope.get_current_value(state)).tolist() == [3, 1]
    assert to_numpy(state.value).tolist() == [3, 0]


def test_config_round_trip_and_auto_config():
    layer = Linear(3, use_bias=False, name="lin", trainable=False)
    config = layer.get_config()
    assert config["units"] == 3 and config["name"] == "lin" and config["trainable"] is False
    clone = Linear.from_config(config)
    assert clone.units == 3 and not clone.use_bias and clone.name == "lin" and not clone.trainable

    class Auto(Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    assert Auto(2.5).get_config()["factor"] == 2.5
    assert Auto.from_config(Auto(2.5).get_config()).factor == 2.5


def test_missing_super_init_and_call_give_clear_errors():
    class Forgot(Layer):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="super"):
        Forgot()(np.ones(2))
    with pytest.raises(NotImplementedError, match="call"):
        Layer()(np.ones(2))
    with pytest.raises(ValueError, match="name"):
        Layer(name="a/b")


def test_quantized_policies_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="quantization support"):
        Linear(2, dtype="int8_from_float32")
