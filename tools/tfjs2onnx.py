#!/usr/bin/python3
"""Converts a TF.js graph model (model.json + weight shards) into an ONNX model.

The TF.js graph model is a TensorFlow GraphDef written as JSON, with its constants in binary
weight shards (possibly float16- or uint8-quantised). This converter
  1. reads the graph and the weights (dequantising them to float32 as TF.js does when it loads),
  2. folds every node whose inputs are all constant (shape arithmetic, SparseToDense leftovers),
  3. maps the remaining TensorFlow ops to ONNX ops (NHWC ops are wrapped in transposes),
  4. fuses convolution biases and cancels transpose pairs, so that the result runs in NCHW,
  5. writes the model (IR 8, opset 17: what Debian's onnx 1.12 writes and ONNX Runtime reads)
     with metadata from a JSON configuration (family, labels, normalisation...).

Usage: tfjs2onnx.py MODEL.json OUT.onnx [--config CFG.json] [--config-out CONFIG.json]
                    [--static-batch]
Only Debian's python3, numpy and onnx are needed.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tfjs_graph import (TF_DTYPES, ConvertError, attr_value, const_from_attr, fold,
                        read_weights, ref_key, tensor_ref)

OPSET = 17
IR_VERSION = 8


# ---------------------------------------------------------------------------------------------
# The converter proper

class Converter:
    def __init__(self, model_json, base_dir, dynamic_batch):
        topo = model_json["modelTopology"]
        self.nodes = {n["name"]: n for n in topo["node"]}
        self.weights = read_weights(model_json, base_dir)
        self.signature = model_json.get("signature", {})
        self.dynamic_batch = dynamic_batch
        self.consts = {}        # 'node:i' -> numpy value
        self.shapes = {}        # 'node:i' -> list of ints (static shapes of the input's frame)
        self.onnx_nodes = []
        self.initializers = {}  # name -> numpy
        self.conv_bias = {}     # conv node name -> bias const key
        self.alias = {}         # 'node:i' -> 'node:i' (fused away)
        self.pending_conv = {}  # conv node name -> (attrs, inputs, position in onnx_nodes)
        self.names = {}         # 'node:i' -> ONNX name where they differ (graph inputs)
        self.counter = 0

    # -- helpers -------------------------------------------------------------------------------
    def fresh(self, base):
        self.counter += 1
        return f"{base}__{self.counter}"

    def init(self, base, value):
        name = self.fresh(base)
        self.initializers[name] = np.asarray(value)
        return name

    def emit(self, op, inputs, outputs, **attrs):
        self.onnx_nodes.append(helper.make_node(op, inputs, outputs, name=self.fresh(op), **attrs))

    def resolve(self, key):
        while key in self.alias:
            key = self.alias[key]
        return key

    def value_name(self, key):
        """The ONNX tensor that holds a TF tensor; constants become initializers."""
        key = self.resolve(key)
        if key in self.consts:
            if key not in self.initializers:
                value = self.consts[key]
                if value.dtype == np.float64:
                    value = value.astype(np.float32)
                self.initializers[key] = value
            return key
        return self.names.get(key, key)

    def attrs_of(self, node):
        return {k: attr_value(v) for k, v in node.get("attr", {}).items()}

    def inputs_of(self, node):
        return [ref_key(i) for i in node.get("input", []) if not i.startswith("^")]

    # -- graph walk ----------------------------------------------------------------------------
    def order(self, outputs):
        seen, order = set(), []
        stack = [(tensor_ref(o)[0], False) for o in outputs]
        while stack:
            name, done = stack.pop()
            if done:
                if name not in seen:
                    seen.add(name)
                    order.append(name)
                continue
            if name in seen:
                continue
            if name not in self.nodes:
                raise ConvertError(f"unknown node {name}")
            stack.append((name, True))
            for i in self.nodes[name].get("input", []):
                dep = tensor_ref(i.lstrip("^"))[0]
                if dep not in seen:
                    stack.append((dep, False))
        return order

    def consumers(self, order):
        count = {}
        for name in order:
            for i in self.inputs_of(self.nodes[name]):
                count[i] = count.get(i, 0) + 1
        return count

    def convert(self):
        outputs = list(self.signature.get("outputs", {}).keys())
        if not outputs:
            raise ConvertError("the model has no signature outputs")
        order = self.order(outputs)
        uses = self.consumers(order)
        graph_inputs = []
        for name in order:
            node = self.nodes[name]
            op = node["op"]
            attrs = self.attrs_of(node)
            ins = self.inputs_of(node)
            key = f"{name}:0"
            if op == "Const":
                value = self.weights.get(name)
                if value is None:
                    value = const_from_attr(node)
                dtype = TF_DTYPES.get(attrs.get("dtype"), None)
                if dtype is not None and value.dtype != dtype:
                    value = value.astype(dtype)
                self.consts[key] = value
                continue
            if op == "Placeholder":
                shape = attrs.get("shape") or []
                self.shapes[key] = shape
                self.names[key] = name
                graph_inputs.append((name, TF_DTYPES[attrs.get("dtype", "DT_FLOAT")], shape))
                continue
            resolved = [self.resolve(i) for i in ins]
            if all(i in self.consts for i in resolved):
                outs = fold(op, [self.consts[i] for i in resolved], attrs, name)
                for idx, value in enumerate(outs):
                    self.consts[f"{name}:{idx}"] = np.asarray(value)
                continue
            self.convert_op(node, op, attrs, resolved, uses)

        graph_outputs = []
        for out in outputs:
            key = self.resolve(ref_key(out))
            clean = tensor_ref(out)[0]
            self.emit("Identity", [self.value_name(key)], [clean])
            graph_outputs.append((clean, self.shapes.get(key)))
        return graph_inputs, graph_outputs

    # -- op mapping ----------------------------------------------------------------------------
    def const_of(self, key, what):
        if key not in self.consts:
            raise ConvertError(f"{what} must be constant")
        return self.consts[key]

    def convert_op(self, node, op, attrs, ins, uses):
        name = node["name"]
        out = f"{name}:0"
        x = self.value_name(ins[0]) if ins else None
        shape_in = self.shapes.get(ins[0]) if ins else None

        if op in ("Identity", "StopGradient"):
            self.alias[out] = ins[0]
            return
        if op in ("Add", "AddV2", "BiasAdd"):
            # A bias right after a convolution becomes the convolution's own bias.
            src = tensor_ref(ins[0])[0]
            src_node = self.nodes.get(src)
            if (src_node is not None and src_node["op"] == "Conv2D" and uses.get(ins[0]) == 1
                    and ins[1] in self.consts and self.consts[ins[1]].ndim == 1
                    and src not in self.conv_bias):
                self.conv_bias[src] = ins[1]
                self.rebuild_conv(src)
                self.alias[out] = ins[0]
                return
            self.emit("Add", [x, self.value_name(ins[1])], [out])
            self.shapes[out] = broadcast_shape(shape_in, self.shapes_or_const(ins[1]))
            return
        if op in ("Sub", "Mul", "RealDiv", "Maximum", "Minimum"):
            onnx_op = {"Sub": "Sub", "Mul": "Mul", "RealDiv": "Div", "Maximum": "Max",
                       "Minimum": "Min"}[op]
            self.emit(onnx_op, [x, self.value_name(ins[1])], [out])
            self.shapes[out] = broadcast_shape(shape_in, self.shapes_or_const(ins[1]))
            return
        if op in ("Relu", "Sigmoid", "Tanh", "Exp"):
            self.emit(op, [x], [out])
            self.shapes[out] = shape_in
            return
        if op == "Relu6":
            self.emit("Clip", [x, self.init("zero", np.float32(0)), self.init("six", np.float32(6))],
                      [out])
            self.shapes[out] = shape_in
            return
        if op == "LeakyRelu":
            self.emit("LeakyRelu", [x], [out], alpha=attrs.get("alpha", 0.2))
            self.shapes[out] = shape_in
            return
        if op == "Transpose":
            perm = [int(v) for v in self.const_of(ins[1], "a transpose's permutation")]
            self.emit("Transpose", [x], [out], perm=perm)
            self.shapes[out] = [shape_in[p] for p in perm] if shape_in else None
            return
        if op in ("Pad", "PadV2", "MirrorPad"):
            pads = self.const_of(ins[1], "padding").astype(np.int64)
            onnx_pads = np.concatenate([pads[:, 0], pads[:, 1]])
            inputs = [x, self.init("pads", onnx_pads)]
            mode = "constant"
            if op == "PadV2":
                inputs.append(self.init("pad_value",
                                        self.const_of(ins[2], "pad value").astype(np.float32)))
            if op == "MirrorPad":
                mode = "reflect" if attrs.get("mode") == "REFLECT" else "edge"
            self.emit("Pad", inputs, [out], mode=mode)
            self.shapes[out] = ([s + int(a) + int(b) for s, (a, b) in zip(shape_in, pads)]
                                if shape_in else None)
            return
        if op == "Conv2D":
            self.emit_conv(name, attrs, ins)
            return
        if op in ("MaxPool", "AvgPool"):
            self.emit_pool(name, op, attrs, x, shape_in)
            return
        if op == "ConcatV2":
            axis = int(self.const_of(ins[-1], "a concat axis"))
            shapes = [self.shapes.get(i) for i in ins[:-1]]
            rank = len(shapes[0]) if shapes[0] else 4
            axis = axis % rank
            self.emit("Concat", [self.value_name(i) for i in ins[:-1]], [out], axis=axis)
            if all(shapes):
                s = list(shapes[0])
                s[axis] = sum(sh[axis] for sh in shapes)
                self.shapes[out] = s
            return
        if op == "ResizeBilinear" or op == "ResizeNearestNeighbor":
            self.emit_resize(name, op, attrs, x, ins, shape_in)
            return
        if op in ("SplitV", "Split"):
            self.emit_split(name, op, attrs, ins)
            return
        if op == "Reshape":
            target = [int(v) for v in self.const_of(ins[1], "a reshape's shape")]
            if self.dynamic_batch:
                if target[0] != 1:
                    raise ConvertError(f"{name}: cannot make the batch dynamic (shape {target})")
                target[0] = 0  # copy the batch dimension from the input
            self.emit("Reshape", [x, self.init("shape", np.array(target, dtype=np.int64))], [out])
            if shape_in:
                full = list(target)
                full[0] = shape_in[0] if full[0] == 0 else full[0]
                if -1 in full:
                    known = int(np.prod([v for v in full if v != -1]))
                    full[full.index(-1)] = int(np.prod(shape_in)) // known
                self.shapes[out] = full
            return
        raise ConvertError(f"unsupported op {op} ({name})")

    def shapes_or_const(self, key):
        if key in self.consts:
            return list(self.consts[key].shape)
        return self.shapes.get(key)

    def emit_conv(self, name, attrs, ins):
        if attrs.get("data_format", "NHWC") != "NHWC":
            raise ConvertError(f"{name}: only NHWC Conv2D is supported")
        self.pending_conv[name] = (attrs, ins, len(self.onnx_nodes))
        nodes, shape = self.build_conv(name)
        self.onnx_nodes.extend(nodes)
        self.shapes[f"{name}:0"] = shape

    def build_conv(self, name):
        attrs, ins, _ = self.pending_conv[name]
        shape_in = self.shapes[ins[0]]
        w = self.const_of(ins[1], "a convolution's filter").astype(np.float32)  # HWIO
        kh, kw, cin_g, cout = w.shape
        cin = shape_in[3]
        if cin % cin_g:
            raise ConvertError(f"{name}: {cin} input channels, filter expects {cin_g}")
        group = cin // cin_g
        strides = attrs.get("strides", [1, 1, 1, 1])[1:3]
        dil = attrs.get("dilations", [1, 1, 1, 1])[1:3]
        pads, out_hw = spatial_pads(attrs, shape_in[1:3], (kh, kw), strides, dil, name)
        w_name = self.init(f"{name}/W", np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
        inputs = [f"{name}:nchw_in", w_name]
        if name in self.conv_bias:
            inputs.append(self.init(f"{name}/B",
                                    self.consts[self.conv_bias[name]].astype(np.float32)))
        nodes = [
            helper.make_node("Transpose", [self.value_name(ins[0])], [f"{name}:nchw_in"],
                             name=f"{name}/to_nchw", perm=[0, 3, 1, 2]),
            helper.make_node("Conv", inputs, [f"{name}:nchw_out"], name=f"{name}/conv",
                             kernel_shape=[kh, kw], strides=strides, dilations=dil, group=group,
                             pads=pads),
            helper.make_node("Transpose", [f"{name}:nchw_out"], [f"{name}:0"],
                             name=f"{name}/to_nhwc", perm=[0, 2, 3, 1]),
        ]
        return nodes, [shape_in[0], out_hw[0], out_hw[1], cout]

    def rebuild_conv(self, name):
        """Re-emits a convolution in place after its bias was found."""
        pos = self.pending_conv[name][2]
        nodes, _ = self.build_conv(name)
        self.onnx_nodes[pos:pos + 3] = nodes

    def emit_pool(self, name, op, attrs, x, shape_in):
        ksize = attrs.get("ksize", [1, 1, 1, 1])[1:3]
        strides = attrs.get("strides", [1, 1, 1, 1])[1:3]
        pads, out_hw = spatial_pads(attrs, shape_in[1:3], ksize, strides, [1, 1], name)
        onnx_op = "MaxPool" if op == "MaxPool" else "AveragePool"
        extra = {} if op == "MaxPool" else {"count_include_pad": 0}
        self.emit("Transpose", [x], [f"{name}:nchw_in"], perm=[0, 3, 1, 2])
        self.emit(onnx_op, [f"{name}:nchw_in"], [f"{name}:nchw_out"], kernel_shape=ksize,
                  strides=strides, pads=pads, **extra)
        self.emit("Transpose", [f"{name}:nchw_out"], [f"{name}:0"], perm=[0, 2, 3, 1])
        self.shapes[f"{name}:0"] = [shape_in[0], out_hw[0], out_hw[1], shape_in[3]]

    def emit_resize(self, name, op, attrs, x, ins, shape_in):
        size = [int(v) for v in self.const_of(ins[1], "a resize's size")]
        if op == "ResizeBilinear":
            mode = "linear"
        else:
            mode = "nearest"
        if attrs.get("align_corners"):
            ctm = "align_corners"
        elif attrs.get("half_pixel_centers"):
            ctm = "half_pixel" if mode == "linear" else "tf_half_pixel_for_nn"
        else:
            ctm = "asymmetric"
        extra = {"nearest_mode": "floor"} if mode == "nearest" else {}
        nchw = f"{name}:nchw_in"
        self.emit("Transpose", [x], [nchw], perm=[0, 3, 1, 2])
        shape = f"{name}:shape"
        self.emit("Shape", [nchw], [shape], start=0, end=2)
        sizes = f"{name}:sizes"
        self.emit("Concat", [shape, self.init("hw", np.array(size, dtype=np.int64))], [sizes],
                  axis=0)
        self.emit("Resize", [nchw, "", "", sizes], [f"{name}:nchw_out"], mode=mode,
                  coordinate_transformation_mode=ctm, **extra)
        self.emit("Transpose", [f"{name}:nchw_out"], [f"{name}:0"], perm=[0, 2, 3, 1])
        self.shapes[f"{name}:0"] = [shape_in[0], size[0], size[1], shape_in[3]]

    def emit_split(self, name, op, attrs, ins):
        if op == "SplitV":
            x_key, sizes_key, axis_key = ins
            axis = int(self.const_of(axis_key, "a split axis"))
            shape_in = self.shapes[x_key]
            sizes = [int(v) for v in self.const_of(sizes_key, "split sizes")]
        else:
            axis_key, x_key = ins
            axis = int(self.const_of(axis_key, "a split axis"))
            shape_in = self.shapes[x_key]
            n = attrs["num_split"]
            sizes = [shape_in[axis] // n] * n
        axis %= len(shape_in)
        if -1 in sizes:
            sizes[sizes.index(-1)] = shape_in[axis] - sum(s for s in sizes if s != -1)
        outs = [f"{name}:{i}" for i in range(len(sizes))]
        self.emit("Split", [self.value_name(x_key),
                            self.init("split", np.array(sizes, dtype=np.int64))], outs, axis=axis)
        for o, s in zip(outs, sizes):
            shp = list(shape_in)
            shp[axis] = s
            self.shapes[o] = shp


def broadcast_shape(a, b):
    if a is None or b is None:
        return a
    return list(np.broadcast_shapes(tuple(a), tuple(b)))


def spatial_pads(attrs, in_hw, kernel, strides, dil, name):
    """ONNX pads [top, left, bottom, right] and the output size for TF's padding modes."""
    padding = attrs.get("padding", "VALID")
    begins, ends, out = [], [], []
    for i in range(2):
        eff = (kernel[i] - 1) * dil[i] + 1
        if padding == "VALID":
            o = (in_hw[i] - eff) // strides[i] + 1
            b = e = 0
        elif padding == "SAME":  # TF puts the extra pixel at the end
            o = -(-in_hw[i] // strides[i])
            total = max((o - 1) * strides[i] + eff - in_hw[i], 0)
            b, e = total // 2, total - total // 2
        elif padding == "EXPLICIT":
            ex = attrs.get("explicit_paddings", [])
            b, e = ex[2 + 2 * i], ex[3 + 2 * i]
            o = (in_hw[i] + b + e - eff) // strides[i] + 1
        else:
            raise ConvertError(f"{name}: unsupported padding {padding}")
        begins.append(b)
        ends.append(e)
        out.append(o)
    return begins + ends, out


# ---------------------------------------------------------------------------------------------
# Clean-up passes on the ONNX node list

def cancel_transposes(nodes, keep):
    """Removes Transpose pairs that undo each other; returns the new node list."""
    changed = True
    while changed:
        changed = False
        producer = {o: n for n in nodes for o in n.output}
        rename = {}
        for n in nodes:
            if n.op_type != "Transpose":
                continue
            src = producer.get(n.input[0])
            if src is None or src.op_type != "Transpose":
                continue
            p1 = list(src.attribute[0].ints)
            p2 = list(n.attribute[0].ints)
            combined = [p1[i] for i in p2]
            if combined == list(range(len(combined))) and n.output[0] not in keep:
                rename[n.output[0]] = src.input[0]
        if rename:
            changed = True
            for n in nodes:
                for i, name in enumerate(n.input):
                    while name in rename:
                        name = rename[name]
                    n.input[i] = name
            nodes = remove_dead(nodes, keep)
    return nodes


def remove_dead(nodes, keep):
    needed = set(keep)
    alive = []
    for n in reversed(nodes):
        if any(o in needed for o in n.output):
            alive.append(n)
            needed.update(i for i in n.input if i)
    return list(reversed(alive))


# ---------------------------------------------------------------------------------------------

def build_model(conv, graph_inputs, graph_outputs, metadata):
    inputs = []
    for name, dtype, shape in graph_inputs:
        dims = list(shape)
        if conv.dynamic_batch:
            dims[0] = "batch"
        inputs.append(helper.make_tensor_value_info(
            name, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)], dims))
    outputs = []
    for name, shape in graph_outputs:
        dims = list(shape) if shape else None
        if dims and conv.dynamic_batch:
            dims[0] = "batch"
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, dims))
    keep = [o.name for o in outputs]
    nodes = cancel_transposes(conv.onnx_nodes, keep)
    used = {i for n in nodes for i in n.input}
    inits = [numpy_helper.from_array(np.ascontiguousarray(v), name)
             for name, v in conv.initializers.items() if name in used]
    graph = helper.make_graph(nodes, "converted", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="objectvision-tfjs2onnx", producer_version="1")
    model.ir_version = IR_VERSION
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value if isinstance(value, str) else json.dumps(value)
    onnx.checker.check_model(model)
    return model


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_json")
    parser.add_argument("output")
    parser.add_argument("--config", help="JSON metadata to embed (family, names, ...)")
    parser.add_argument("--config-out", help="write the configuration here too")
    parser.add_argument("--static-batch", action="store_true",
                        help="keep the batch dimension of the original graph")
    args = parser.parse_args(argv)

    with open(args.model_json) as f:
        model_json = json.load(f)
    config = {}
    if args.config:
        with open(args.config) as f:
            config = json.load(f)
    conv = Converter(model_json, os.path.dirname(os.path.abspath(args.model_json)),
                     dynamic_batch=not args.static_batch)
    try:
        graph_inputs, graph_outputs = conv.convert()
    except ConvertError as e:
        print(f"tfjs2onnx: {e}", file=sys.stderr)
        return 1
    metadata = {}
    for key, value in config.items():
        if key == "names" and isinstance(value, list):  # the Ultralytics form: {0: 'person', ...}
            metadata["names"] = "{" + ", ".join(f"{i}: {v!r}" for i, v in enumerate(value)) + "}"
        else:
            metadata[key] = value
    metadata.setdefault("converted_from", os.path.basename(args.model_json))
    model = build_model(conv, graph_inputs, graph_outputs, metadata)
    tmp = args.output + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, args.output)
    if args.config_out:
        with open(args.config_out + ".tmp", "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        os.replace(args.config_out + ".tmp", args.config_out)
    kinds = {}
    for n in model.graph.node:
        kinds[n.op_type] = kinds.get(n.op_type, 0) + 1
    print(f"tfjs2onnx: wrote {args.output}: {len(model.graph.node)} nodes "
          f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
