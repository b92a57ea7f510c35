"""The jax step: one jitted pure function of all state (trainable, non-trainable, optimizer, metrics).

State is taken from the variables at `begin()`, threaded through the jitted calls with buffer
donation, and written back at `end()`; nothing syncs with the host in between.
"""

import jax

from k_train.steps import common


class Step:
    def __init__(self, model, compiled, kind):
        self.model, self.compiled, self.kind = model, compiled, kind
        self.fn = None
        self.state = None

    def begin(self):
        self.state = None

    def _take_state(self):
        model, compiled = self.model, self.compiled
        self.trainable = model.trainable_variables
        self.non_trainable = model.non_trainable_variables
        if self.kind == "train":
            compiled.optimizer.build(self.trainable)
            self.optimizer_variables = compiled.optimizer.variables
        else:
            self.optimizer_variables = []
        self.metric_variables = compiled.metric_variables()
        return ([v.value for v in self.trainable], [v.value for v in self.non_trainable],
                [v.value for v in self.optimizer_variables], [v.value for v in self.metric_variables])

    def _make(self):
        model, compiled, train = self.model, self.compiled, self.kind == "train"
        trainable, non_trainable = self.trainable, self.non_trainable

        custom = common.custom_step(model, self.kind)

        def run(state, batches):
            if custom is not None:  # Keras's jax convention: step(state, data) -> (logs, state)
                logs = {}
                for batch in batches:
                    logs, state = custom(model, state, batch)
                return state, logs
            tv, ntv, ov, mv = state
            for batch in batches:
                x, y, w = common.unpack(batch)
                def forward(t, n, x=x, y=y, w=w, training=train):
                    return common.stateless_forward(model, trainable, non_trainable, t, n, x, y, w, training)

                def scaled_forward(t, n):
                    loss, aux = forward(t, n)
                    return common.scaled(compiled.optimizer, loss), (loss, aux)

                if train:
                    gradient_fn = jax.value_and_grad(scaled_forward, has_aux=True)
                    (_, (loss, (y_pred, ntv))), grads = gradient_fn(tv, ntv)
                    tv, ov = compiled.optimizer.stateless_apply(ov, grads, tv)
                else:
                    loss, (y_pred, ntv) = forward(tv, ntv)
                mv = common.stateless_metrics(compiled, mv, loss, x, y, y_pred, w)
            return (tv, ntv, ov, mv), common.stateless_results(compiled, mv)

        if compiled.run_eagerly or compiled.jit_compile is False:
            return run
        return jax.jit(run, donate_argnums=0)

    def run(self, batches):
        if self.state is None:
            common.build_metrics(self.model, self.compiled, batches[0])
            self.state = self._take_state()
            if self.fn is None:
                self.fn = self._make()
        self.state, logs = self.fn(self.state, list(batches))
        return logs

    def end(self):
        if self.state is None:
            return
        tv, ntv, ov, mv = self.state
        groups = ((self.trainable, tv), (self.non_trainable, ntv), (self.optimizer_variables, ov),
                  (self.metric_variables, mv))
        for variables, values in groups:
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
        self.state = None


def make(model, compiled, kind):
    return Step(model, compiled, kind)


def make_predict(model):
    trainable, non_trainable = model.trainable_variables, model.non_trainable_variables

    @jax.jit
    def predict(tv, ntv, x):
        return model.stateless_call(tv, ntv, x, training=False)[0]

    def call(x):
        return predict([v.value for v in trainable], [v.value for v in non_trainable], x)

    return call
