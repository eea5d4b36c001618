"""Reading TF.js graph models: the GraphDef JSON, the (de)quantised weight shards, attribute
decoding and numpy folding of constant subgraphs. Used by tfjs2onnx.py."""
import base64
import os

import numpy as np

TF_DTYPES = {
    "DT_FLOAT": np.float32, "DT_INT32": np.int32, "DT_INT64": np.int64, "DT_BOOL": np.bool_,
    "DT_HALF": np.float16, "DT_UINT8": np.uint8, "DT_INT8": np.int8, "DT_DOUBLE": np.float64,
}
MANIFEST_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_,
                   "float16": np.float16, "uint8": np.uint8, "uint16": np.uint16}


class ConvertError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading the TF.js model

def read_weights(model_json, base_dir):
    """Returns {name: numpy array} for every entry of the weights manifest."""
    weights = {}
    for group in model_json.get("weightsManifest", []):
        data = b"".join(open(os.path.join(base_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = w.get("quantization")
            if quant:
                qtype = MANIFEST_DTYPES[quant["dtype"]]
                size = count * np.dtype(qtype).itemsize
                raw = np.frombuffer(data, dtype=qtype, count=count, offset=offset)
                if quant["dtype"] == "float16":
                    value = raw.astype(np.float32)
                else:  # affine uint8 / uint16 quantisation: q * scale + min
                    value = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(
                        quant.get("min", 0.0))
                value = value.astype(MANIFEST_DTYPES[w["dtype"]])
            elif w["dtype"] == "string":
                raise ConvertError(f"string weight {w['name']} is not supported")
            else:
                dtype = MANIFEST_DTYPES[w["dtype"]]
                size = count * np.dtype(dtype).itemsize
                value = np.frombuffer(data, dtype=dtype, count=count, offset=offset).copy()
            offset += size
            weights[w["name"]] = value.reshape(shape)
    return weights


def attr_value(attr):
    """Decodes one GraphDef attribute as written by TF.js (strings are base64)."""
    if "s" in attr:
        return base64.b64decode(attr["s"]).decode()
    if "i" in attr:
        return int(attr["i"])
    if "f" in attr:
        return float(attr["f"])
    if "b" in attr:
        return bool(attr["b"])
    if "type" in attr:
        return attr["type"]
    if "list" in attr:
        lst = attr["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        return []
    if "shape" in attr:
        return [int(d.get("size", -1)) for d in attr["shape"].get("dim", [])]
    return None


def const_from_attr(node):
    tensor = node.get("attr", {}).get("value", {}).get("tensor")
    if tensor is None:
        raise ConvertError(f"constant {node['name']} has no value")
    dtype = TF_DTYPES[tensor.get("dtype", "DT_FLOAT")]
    shape = [int(d.get("size", 0)) for d in tensor.get("tensorShape", {}).get("dim", [])]
    if "tensorContent" in tensor:
        return np.frombuffer(base64.b64decode(tensor["tensorContent"]), dtype=dtype).reshape(shape)
    for key in ("floatVal", "intVal", "int64Val", "boolVal", "doubleVal"):
        if key in tensor:
            vals = np.array(tensor[key], dtype=dtype)
            count = int(np.prod(shape)) if shape else 1
            if vals.size == 1 and count != 1:
                vals = np.full(count, vals[0], dtype=dtype)
            return vals.reshape(shape)
    return np.zeros(shape, dtype=dtype)


def tensor_ref(name):
    """'node:1' -> ('node', 1); 'node' -> ('node', 0)."""
    if ":" in name:
        node, idx = name.rsplit(":", 1)
        if idx.isdigit():
            return node, int(idx)
    return name, 0


def ref_key(name):
    node, idx = tensor_ref(name)
    return f"{node}:{idx}"


# ---------------------------------------------------------------------------------------------
# Constant folding of the TF graph

def fold(op, vals, attrs, name):
    """Evaluates one op on constant numpy inputs; returns a list of outputs."""
    if op in ("Identity", "StopGradient"):
        return [vals[0]]
    if op in ("Add", "AddV2"):
        return [np.add(vals[0], vals[1])]
    if op == "Sub":
        return [np.subtract(vals[0], vals[1])]
    if op == "Mul":
        return [np.multiply(vals[0], vals[1])]
    if op == "Cast":
        return [vals[0].astype(TF_DTYPES[attrs["DstT"]])]
    if op == "Reshape":
        return [vals[0].reshape([int(v) for v in vals[1]])]
    if op == "Transpose":
        return [np.transpose(vals[0], [int(v) for v in vals[1]])]
    if op == "ConcatV2":
        return [np.concatenate(vals[:-1], axis=int(vals[-1]))]
    if op == "Pack":
        return [np.stack(vals, axis=attrs.get("axis", 0))]
    if op == "SparseToDense":
        indices, shape, values, default = vals
        out = np.full([int(s) for s in np.atleast_1d(shape)], default, dtype=values.dtype)
        idx = np.reshape(indices, (-1, out.ndim)) if indices.size else np.zeros((0, out.ndim))
        vals_b = np.broadcast_to(values, (idx.shape[0],))
        for i, pos in enumerate(idx.astype(np.int64)):
            out[tuple(pos)] = vals_b[i]
        return [out]
    raise ConvertError(f"cannot fold constant op {op} ({name})")
