"""The one piece of plumbing every public op shares: its symbolic path.

A public op is a plain function whose body is the eager path (usually one
call of the selected backend's function of the same name). `@symbolic(spec)`
adds the symbolic path: when any argument is a `KerasTensor`, the op returns
`spec(*args, **kwargs)` (KerasTensors of the output shape and dtype) instead.
"""

import functools

from k_ops.symbolic import KerasTensor, _holds_symbolic, any_symbolic

_SEQUENCES = (list, tuple)


def symbolic(spec):
    """Decorate a public op with `spec`, the function giving its symbolic output."""
    def decorate(eager):
        def symbolic_call(args, kwargs):
            try:
                return spec(*args, **kwargs)
            except (ValueError, TypeError) as e:
                raise type(e)(f"{eager.__name__}: {e}") from None

        @functools.wraps(eager)
        def op(*args, **kwargs):
            # Inlined check for positional arguments: this wrapper is on every eager call.
            for a in args:
                if isinstance(a, KerasTensor) or (type(a) in _SEQUENCES and _holds_symbolic(a)):
                    return symbolic_call(args, kwargs)
            if kwargs and any_symbolic((), kwargs):
                return symbolic_call(args, kwargs)
            return eager(*args, **kwargs)
        op.compute_output_spec = spec
        return op
    return decorate
