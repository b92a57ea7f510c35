"""Dtype policies and the serialization registry."""

import pytest

from k_layers import dtype_policies as dp
from k_layers import serialization as ser


def test_policy_names_give_compute_and_variable_dtypes():
    assert (dp.DTypePolicy("float32").compute_dtype, dp.DTypePolicy("float32").variable_dtype) == \
        ("float32", "float32")
    mixed = dp.DTypePolicy("mixed_float16")
    assert (mixed.compute_dtype, mixed.variable_dtype) == ("float16", "float32")
    assert mixed.quantization_mode is None
    assert dp.DTypePolicy("bfloat16").variable_dtype == "bfloat16"
    with pytest.raises(ValueError, match="not a dtype"):
        dp.DTypePolicy("mixed_int8")


def test_serialize_matches_keras_and_round_trips():
    config = dp.serialize(dp.DTypePolicy("mixed_bfloat16"))
    assert config == {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"},
                      "registered_name": None}
    assert dp.deserialize(config) == dp.DTypePolicy("mixed_bfloat16")
    keras_written = {"module": "keras.dtype_policies", "class_name": "FloatDTypePolicy",
                     "config": {"name": "float16"}, "registered_name": None}
    assert dp.deserialize(keras_written).compute_dtype == "float16"


def test_quantized_policies():
    policy = dp.get("int8_from_mixed_bfloat16")
    assert isinstance(policy, dp.QuantizedDTypePolicy) and policy.name == "int8_from_mixed_bfloat16"
    assert (policy.quantization_mode, policy.compute_dtype, policy.variable_dtype) == \
        ("int8", "bfloat16", "float32")
    assert dp.get("float8_from_float32").amax_history_length == 1024
    assert isinstance(dp.get("int4_from_float32"), dp.Int4DTypePolicy)
    assert dp.GPTQDTypePolicy("gptq/4/128").quantization_mode == "gptq/4/128"
    assert dp.deserialize(dp.serialize(policy)) == policy
    with pytest.raises(ValueError, match="mode"):
        dp.QuantizedDTypePolicy("int3")
    with pytest.raises(ValueError, match="awq/<bits>/<group_size>"):
        dp.AWQDTypePolicy("awq")


def test_policy_map_matches_paths():
    policies = dp.DTypePolicyMap("float32", {"decoder/.*": "mixed_bfloat16", "head": "float16"})
    assert policies["head"].name == "float16" and policies["decoder/dense"].name == "mixed_bfloat16"
    assert policies["encoder/dense"].name == "float32" and len(policies) == 2
    rebuilt = dp.DTypePolicyMap.from_config(policies.get_config())
    assert rebuilt["decoder/x"].name == "mixed_bfloat16"
    with pytest.raises(ValueError, match="already"):
        policies["head"] = "float32"


def test_global_policy_and_get():
    dp.set_dtype_policy("mixed_bfloat16")
    try:
        assert dp.dtype_policy().name == "mixed_bfloat16" and dp.get(None).name == "mixed_bfloat16"
    finally:
        dp.set_dtype_policy("float32")
    with pytest.raises(ValueError, match="dtype policy"):
        dp.get(3.5)


def test_registry_custom_object_scope_and_safe_lookups():
    @ser.register_keras_serializable(package="pkg", name="Thing")
    class Thing:
        def __init__(self, value=1):
            self.value = value

        def get_config(self):
            return {"value": self.value}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    assert ser.get_registered_name(Thing) == "pkg>Thing"
    assert ser.get_registered_object("pkg>Thing") is Thing
    config = ser.serialize_keras_object(Thing(5))
    assert config["registered_name"] == "pkg>Thing" and ser.deserialize_keras_object(config).value == 5

    class Local:
        def __init__(self, value=0):
            self.value = value

        def get_config(self):
            return {"value": self.value}

    config = ser.serialize_keras_object(Local(3))
    with pytest.raises(ValueError, match="register_keras_serializable"):
        ser.deserialize_keras_object(config)
    with ser.custom_object_scope({"Local": Local}):
        assert ser.deserialize_keras_object(config).value == 3
    assert ser.deserialize_keras_object(config, custom_objects={"Local": Local}).value == 3
    # A config never imports the module it names.
    evil = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    with pytest.raises(ValueError, match="Unknown class"):
        ser.deserialize_keras_object(evil)


def test_plain_values_tuples_and_arrays():
    import numpy as np

    assert ser.deserialize_keras_object(ser.serialize_keras_object((1, 2))) == (1, 2)
    array = ser.deserialize_keras_object(ser.serialize_keras_object(np.arange(3, dtype="int16")))
    assert array.dtype == "int16" and array.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="lambda"):
        ser.serialize_keras_object(lambda x: x)
