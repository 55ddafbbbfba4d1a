"""The PyTorch side of bench/evaluate.ts (run with Debian's python3-torch, python3-torchvision).

  /usr/bin/python3 bench/resnet50.py export MODEL.onnx
      ResNet-50 with random weights (seed 0) exported to ONNX (opset 13, dynamic batch).
  /usr/bin/python3 bench/resnet50.py run STIMULI BATCH THREADS
      The same network (same seed) in PyTorch on every image of STIMULI/<category>/<file>, with
      torchvision's ImageNet evaluation preprocessing on PIL images; prints JSON with the seconds
      spent and the predicted class of every image (sorted by path) so the two can be compared.
"""
import glob
import json
import os
import sys
import time

import torch
from PIL import Image
from torchvision import models, transforms


def network():
    torch.manual_seed(0)
    return models.resnet50(weights=None).eval()


def export(path):
    torch.onnx.export(network(), torch.zeros(1, 3, 224, 224), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)


def run(stimuli, batch, threads):
    torch.set_num_threads(threads)
    model = network()
    preprocess = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                     transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    files = sorted(glob.glob(os.path.join(stimuli, "*", "*")))
    top1 = []
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(files), batch):
            inputs = torch.stack([preprocess(Image.open(f).convert("RGB")) for f in files[i:i + batch]])
            top1.extend(model(inputs).argmax(1).tolist())
    seconds = time.perf_counter() - start
    print(json.dumps({"images": len(files), "seconds": seconds, "files": [os.path.relpath(f, stimuli) for f in files], "top1": top1}))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
