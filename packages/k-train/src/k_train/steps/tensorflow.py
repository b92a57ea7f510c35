"""The tensorflow step: a `tf.function` (XLA with jit_compile=True) that updates the variables in place."""

import tensorflow as tf

from k_train.steps import common


class Step:
    def __init__(self, model, compiled, kind):
        self.model, self.compiled, self.kind = model, compiled, kind
        self.fn = None

    def begin(self):
        pass

    def end(self):
        pass

    def _make(self):
        model, compiled, train = self.model, self.compiled, self.kind == "train"
        trainable = model.trainable_variables
        if train:
            compiled.optimizer.build(trainable)

        custom = common.custom_step(model, self.kind)

        def run(batches):
            if custom is not None:
                logs = {}
                for batch in batches:
                    logs = custom(model, batch)
                return logs
            for batch in batches:
                x, y, w = common.unpack(batch)
                if train:
                    with tf.GradientTape() as tape:
                        for v in trainable:
                            tape.watch(v._storage)
                        loss, y_pred = common.forward_loss(model, x, y, w, True)
                        scaled = common.scaled(compiled.optimizer, loss)
                    grads = tape.gradient(scaled, [v._storage for v in trainable])
                    compiled.optimizer.apply(grads, trainable)
                else:
                    loss, y_pred = common.forward_loss(model, x, y, w, False)
                common.update_metrics(compiled, loss, y, y_pred, w, x)
            return common.results(compiled)

        if compiled.run_eagerly:
            return run
        return tf.function(run, jit_compile=compiled.jit_compile is True, reduce_retracing=True,
                           autograph=False)

    def run(self, batches):
        if self.fn is None:
            common.build_metrics(self.model, self.compiled, batches[0])
            self.fn = self._make()
        return self.fn(list(batches))


def make(model, compiled, kind):
    return Step(model, compiled, kind)


def make_predict(model):
    return tf.function(lambda x: model(x, training=False), reduce_retracing=True, autograph=False)
