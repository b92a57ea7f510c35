"""A few plain gradient-descent steps with the backend's own autodiff (shared by the wrapper and
ConvLSTM tests): returns the losses before and after."""

import importlib

import numpy as np

from conftest import BACKEND, to_numpy


def descend(layer, x, target, steps=5, lr=0.1):
    losses = []
    if BACKEND == "jax":
        jax = importlib.import_module("jax")
        jnp = importlib.import_module("jax.numpy")
        trainable = [v.value for v in layer.trainable_variables]
        others = [v.value for v in layer.non_trainable_variables]

        def loss_fn(values):
            y, _ = layer.stateless_call(values, others, x)
            return jnp.mean((y - target) ** 2)

        value_and_grad = jax.jit(jax.value_and_grad(loss_fn))
        for _ in range(steps):
            loss, grads = value_and_grad(trainable)
            losses.append(float(loss))
            trainable = [v - lr * g for v, g in zip(trainable, grads, strict=True)]
        losses.append(float(loss_fn(trainable)))
        return losses
    for _ in range(steps + 1):
        if BACKEND == "torch":
            for v in layer.trainable_variables:
                v._storage.grad = None
            y = layer(x)
            loss = ((y - importlib.import_module("torch").as_tensor(target)) ** 2).mean()
            loss.backward()
            grads = [v._storage.grad for v in layer.trainable_variables]
        else:
            tf = importlib.import_module("tensorflow")
            with tf.GradientTape() as tape:
                for v in layer.trainable_variables:
                    tape.watch(v._storage)
                loss = tf.reduce_mean((layer(x) - target) ** 2)
            grads = tape.gradient(loss, [v._storage for v in layer.trainable_variables])
        losses.append(float(to_numpy(loss)))
        for v, g in zip(layer.trainable_variables, grads, strict=True):
            v.assign(v.numpy() - lr * np.asarray(to_numpy(g)))
    return losses
