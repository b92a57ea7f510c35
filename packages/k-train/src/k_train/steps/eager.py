"""The numpy backend's steps: evaluation and prediction only (training is refused before we get here)."""

from k_train.steps import common


class Step:
    def __init__(self, model, compiled, kind):
        self.model, self.compiled, self.kind = model, compiled, kind
        self.built = False

    def begin(self):
        pass

    def end(self):
        pass

    def run(self, batches):
        if not self.built:
            common.build_metrics(self.model, self.compiled, batches[0])
            self.built = True
        for batch in batches:
            x, y, w = common.unpack(batch)
            loss, y_pred = common.forward_loss(self.model, x, y, w, False)
            common.update_metrics(self.compiled, loss, y, y_pred, w, x)
        return common.results(self.compiled)


def make(model, compiled, kind):
    return Step(model, compiled, kind)


def make_predict(model):
    return lambda x: model(x, training=False)
