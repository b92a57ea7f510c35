"""The Model methods k-train provides (k-layers' Model finds them here by name)."""

from k_train.trainer import (  # noqa: F401
    compile,
    compile_from_config,
    compute_loss,
    compute_metrics,
    evaluate,
    fit,
    get_compile_config,
    get_metrics_result,
    make_train_function,
    predict,
    predict_on_batch,
    test_on_batch,
    train_on_batch,
)
