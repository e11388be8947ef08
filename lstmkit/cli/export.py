"""`lstmkit export MODEL --onnx OUT`: a saved lstmkit model or layer as an ONNX file."""

from lstmkit.cli.common import UsageError, add_common_arguments, say


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "export",
        help="export a saved model (lstmkit.save / estimator.save) to ONNX",
        description="Write a model saved by lstmkit as an ONNX file that computes what the "
        "model computes (preprocessing included), for any batch size and sequence length. "
        "The file is checked with onnx.checker before it is written, atomically. See "
        "docs/interop.md for each model's inputs and outputs.",
    )
    parser.add_argument("model", metavar="MODEL", help="a .safetensors file written by lstmkit")
    parser.add_argument("--onnx", metavar="OUT", required=True, help="the .onnx file to write")
    parser.add_argument(
        "--opset", type=int, default=17, help="ONNX opset, 17..21 (default: %(default)s)"
    )
    parser.add_argument(
        "--no-lengths",
        action="store_true",
        help="no `lengths` input: every sequence is taken to be as long as the padded batch",
    )
    add_common_arguments(parser, seed=False, out=False)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.cli.model_io import model_path
    from lstmkit.interop.onnx import to_onnx
    from lstmkit.interop.onnx.graph import MAX_OPSET, MIN_OPSET, save_model
    from lstmkit.io import load

    if not MIN_OPSET <= args.opset <= MAX_OPSET:
        raise UsageError(f"--opset must lie in {MIN_OPSET}..{MAX_OPSET}; got {args.opset}")
    try:
        import onnx  # noqa: F401  (checked first, to say clearly what is missing)
    except ImportError:
        raise UsageError("export needs the onnx package: pip install 'lstmkit[onnx]'") from None
    model = load(model_path(args.model))
    proto = to_onnx(model, opset=args.opset, lengths=not args.no_lengths)
    path = save_model(proto, args.onnx)
    say(
        args,
        f"wrote {path} ({type(model).__name__}, opset {args.opset}): "
        f"inputs {_describe(proto.graph.input)} -> outputs {_describe(proto.graph.output)}",
    )
    return {
        "model": args.model,
        "model_class": type(model).__name__,
        "opset": args.opset,
        "inputs": _describe(proto.graph.input),
        "outputs": _describe(proto.graph.output),
        "files": [str(path)],
    }


def _describe(values) -> str:
    parts = []
    for value in values:
        dims = [d.dim_param or str(d.dim_value) for d in value.type.tensor_type.shape.dim]
        parts.append(f"{value.name} ({', '.join(dims)})")
    return ", ".join(parts)
