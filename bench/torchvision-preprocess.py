"""Reference values for test/preprocess-torchvision.test.ts: torchvision's ImageNet evaluation
preprocessing (Resize(256) on a PIL image, CenterCrop(224), ToTensor, Normalize) applied to
synthetic RGB images that the test builds with the same formula. Prints JSON: per size, the
SHA-256 of the 224x224x3 uint8 crop and a few normalised values.

Run with Debian's python3-torchvision and python3-pil (not needed by CI; the printed numbers are
in the test):  /usr/bin/python3 bench/torchvision-preprocess.py
"""
import hashlib
import json

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

SIZES = [(224, 224), (500, 375), (333, 500), (400, 533), (256, 256), (1024, 683)]


def synthetic(width, height):
    """The test's image: value = ((31 x + 17 y + 101 c) xor (x y)) mod 256."""
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return Image.fromarray((((31 * x + 17 * y + 101 * c) ^ (x * y)) & 255).astype(np.uint8), "RGB")


resize_crop = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])
to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
result = {}
for width, height in SIZES:
    cropped = resize_crop(synthetic(width, height))
    tensor = to_tensor(cropped)
    result[f"{width}x{height}"] = {
        "sha256": hashlib.sha256(np.asarray(cropped).tobytes()).hexdigest(),
        "samples": [float(tensor[c, y, x]) for c, y, x in [(0, 0, 0), (1, 100, 37), (2, 223, 223), (0, 111, 200)]],
    }
print(json.dumps({"torch": torch.__version__, "torchvision": __import__("torchvision").__version__, "values": result}, indent=1))
