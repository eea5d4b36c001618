#!/usr/bin/python3
"""Writes small ONNX models for the engine's tests: graphs that emit planted detections in the
YOLOv8 / YOLO11 ([B, 4+nc, N]) and YOLOv5 ([B, N, 5+nc]) layouts, whatever the image, with a
dynamic batch; and models the engine must refuse. Usage: make_test_models.py OUT_DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NAMES = "{0: 'cat', 1: 'dog', 2: 'car'}"
S = 320  # model input size

# Planted detections, in model-input pixels: (cx, cy, w, h, class scores...)
PLANTED = [
    (160, 160, 100, 50, [0.02, 0.90, 0.01]),   # dog 0.90
    (165, 162, 100, 50, [0.01, 0.80, 0.02]),   # dog 0.80, IoU ~0.85 with the first: suppressed
    (160, 160, 100, 50, [0.01, 0.02, 0.70]),   # car 0.70 on the same box: kept per class
    (40, 250, 30, 60, [0.30, 0.01, 0.01]),     # cat 0.30: only under a low threshold
    (300, 20, 10, 10, [0.10, 0.10, 0.10]),     # never
]


def batch_follower(out_shape_rank):
    """Nodes that make a [B, 1, 1] zero tensor from the input, to give outputs its batch."""
    return [
        helper.make_node("ReduceMax", ["images"], ["m"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["m", "shape3"], ["m3"]),
        helper.make_node("Mul", ["m3", "zero"], ["z"]),
    ]


def quantised_branch():
    """An int8-style path (DynamicQuantizeLinear -> ConvInteger) feeding the batch follower,
    as in dynamically quantised exports; it contributes zero to the outputs."""
    inits = [numpy_helper.from_array(np.full((4, 3, 3, 3), 3, dtype=np.uint8), "qw"),
             numpy_helper.from_array(np.array(0, dtype=np.uint8), "qw_zero")]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["images"], ["qx", "qx_scale", "qx_zero"]),
        helper.make_node("ConvInteger", ["qx", "qw", "qx_zero", "qw_zero"], ["qconv"],
                         strides=[2, 2]),
        helper.make_node("Cast", ["qconv"], ["qconv_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMax", ["qconv_f"], ["qm"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["qm", "shape3"], ["qm3"]),
        helper.make_node("Mul", ["qm3", "zero"], ["qz"]),
        helper.make_node("Add", ["z0", "qz"], ["z"]),
    ]
    return nodes, inits


def model(name, planted, out_dims, metadata, inputs=None, extra_outputs=(), quantised=False):
    inits = [numpy_helper.from_array(planted.astype(np.float32), "planted"),
             numpy_helper.from_array(np.array([0, 1, 1], dtype=np.int64), "shape3"),
             numpy_helper.from_array(np.array(0, dtype=np.float32), "zero")]
    nodes = batch_follower(3)
    if quantised:
        nodes[-1].output[0] = "z0"
        q_nodes, q_inits = quantised_branch()
        nodes += q_nodes
        inits += q_inits
    nodes.append(helper.make_node("Add", ["z", "planted"], ["output0"]))
    ins = inputs or [helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                                   ["batch", 3, S, S])]
    outs = [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch"] + out_dims)]
    for extra in extra_outputs:
        nodes.append(helper.make_node("Identity", ["output0"], [extra]))
        outs.append(helper.make_tensor_value_info(extra, TensorProto.FLOAT,
                                                  ["batch"] + out_dims))
    graph = helper.make_graph(nodes, name, ins, outs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    for k, v in metadata.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    return m


def main(out):
    os.makedirs(out, exist_ok=True)
    rows = np.array([[cx, cy, w, h] + s for cx, cy, w, h, s in PLANTED], dtype=np.float32)
    meta = {"names": NAMES, "task": "detect", "imgsz": f"[{S}, {S}]", "stride": "32"}
    v8 = rows.T[None]  # [1, 4+nc, N]
    onnx.save(model("yolov8", v8, list(v8.shape[1:]), meta), f"{out}/yolov8.onnx")
    onnx.save(model("yolov8q", v8, list(v8.shape[1:]), meta, quantised=True),
              f"{out}/yolov8_quantised.onnx")
    # YOLOv5: objectness 1 for planted rows except the last (0.05); class scores as planted.
    obj = np.ones((len(PLANTED), 1), dtype=np.float32)
    obj[-1] = 0.05
    v5 = np.concatenate([rows[:, :4], obj, rows[:, 4:]], axis=1)[None]  # [1, N, 5+nc]
    onnx.save(model("yolov5", v5, list(v5.shape[1:]), {"names": NAMES}), f"{out}/yolov5.onnx")
    # Refused: a segmentation task, two inputs, an output of the wrong rank.
    onnx.save(model("seg", v8, list(v8.shape[1:]), dict(meta, task="segment")),
              f"{out}/segment.onnx")
    two = [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, S, S]),
           helper.make_tensor_value_info("other", TensorProto.FLOAT, [1])]
    onnx.save(model("two", v8, list(v8.shape[1:]), meta, inputs=two), f"{out}/two_inputs.onnx")
    flat = v8.reshape(1, -1)
    m = model("flat", flat[0][None], [flat.shape[1]], {})
    onnx.save(m, f"{out}/flat_output.onnx")
    with open(f"{out}/not_onnx.onnx", "wb") as f:
        f.write(b"this is not a protobuf")


if __name__ == "__main__":
    main(sys.argv[1])
