"""PyTorch (eager) version of the Fashion-MNIST CNN benchmark (`fashion --model cnn`).

Conv2D 32 3x3 relu -> MaxPool 2 -> Conv2D 64 3x3 relu -> MaxPool 2 -> Flatten -> Dense 64
relu -> Dense 10: 121,930 parameters, Glorot-uniform kernels, zero biases, Adam, batch 32.
PyTorch convolves NCHW images; the model is the same network (to load Tapestry's NHWC/HWIO
safetensors into it, permute kernels with .permute(3, 2, 0, 1)).
"""

import time

import torch
import torch.nn.functional as F
from torch import nn

import common

CNN_PARAMETERS = 121930

args = common.parse_args(__doc__)
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

x_train, y_train, x_test, y_test, load_seconds = common.load_fashion_mnist(args.data_dir)
x_train = torch.from_numpy(x_train).reshape(-1, 1, 28, 28)
y_train = torch.from_numpy(y_train).long()
x_test = torch.from_numpy(x_test).reshape(-1, 1, 28, 28)
y_test = torch.from_numpy(y_test).long()

model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(5 * 5 * 64, 64), nn.ReLU(),
    nn.Linear(64, common.CLASSES),
)
for layer in model:
    if isinstance(layer, (nn.Linear, nn.Conv2d)):  # Keras' defaults instead of PyTorch's
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
assert sum(p.numel() for p in model.parameters()) == CNN_PARAMETERS

optimizer = torch.optim.Adam(model.parameters(), lr=common.LEARNING_RATE,
                             betas=(common.BETA1, common.BETA2), eps=common.EPSILON,
                             fused=True)

n = len(x_train)
epochs = []
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    model.train()
    perm = torch.randperm(n)
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.long)
    for i in range(0, n, common.BATCH):
        idx = perm[i:i + common.BATCH]
        xb, yb = x_train[idx], y_train[idx]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach()
            correct += (logits.argmax(1) == yb).sum()
    batches = (n + common.BATCH - 1) // common.BATCH
    record = {"epoch": epoch, "loss": loss_sum.item() / batches,
              "accuracy": correct.item() / n, "seconds": time.perf_counter() - start}
    epochs.append(record)
    common.log_epoch(args.epochs, record)

model.eval()
with torch.inference_mode():
    logits = model(x_test)
    test_loss = F.cross_entropy(logits, y_test).item()
    test_accuracy = (logits.argmax(1) == y_test).float().mean().item()
    predict_seconds = common.median_seconds(lambda: model(x_test))

common.finish(args, f"PyTorch {torch.__version__} (eager)", epochs, test_loss, test_accuracy,
              predict_seconds, load_seconds, extra={"parameters": CNN_PARAMETERS, "model": "cnn"})
