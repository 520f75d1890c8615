"""PyTorch (eager) version of the Fashion-MNIST MLP benchmark."""

import time

import torch
import torch.nn.functional as F
from torch import nn

import common

args = common.parse_args(__doc__)
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

x_train, y_train, x_test, y_test, load_seconds = common.load_fashion_mnist(args.data_dir)
# Whole data set as tensors; Flatten(28x28) is done once here (a view, no copy).
x_train = torch.from_numpy(x_train).reshape(-1, common.INPUT)
y_train = torch.from_numpy(y_train).long()
x_test = torch.from_numpy(x_test).reshape(-1, common.INPUT)
y_test = torch.from_numpy(y_test).long()

model = nn.Sequential(
    nn.Linear(common.INPUT, common.HIDDEN), nn.ReLU(),
    nn.Linear(common.HIDDEN, common.HIDDEN), nn.ReLU(),
    nn.Linear(common.HIDDEN, common.CLASSES),
)
for layer in model:
    if isinstance(layer, nn.Linear):  # Keras' defaults instead of PyTorch's
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
assert sum(p.numel() for p in model.parameters()) == common.PARAMETERS

# fused=True: one fused C++ kernel for the whole update. On CPU PyTorch's default is a
# Python loop over the six parameters, about 2x slower per step here (foreach=True is between).
optimizer = torch.optim.Adam(model.parameters(), lr=common.LEARNING_RATE,
                             betas=(common.BETA1, common.BETA2), eps=common.EPSILON,
                             fused=True)

# Batches are drawn by index-slicing a per-epoch permutation of the in-memory tensors:
# no DataLoader, whose per-sample collation would cost more than the model does.
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
        # Running metrics like Keras' (mean batch loss, accuracy of the forward pass),
        # accumulated as tensors so no per-step .item() sync.
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
    # Predicting the 10k test images in one batch.
    predict_seconds = common.median_seconds(lambda: model(x_test))

common.finish(args, f"PyTorch {torch.__version__} (eager)", epochs, test_loss, test_accuracy,
              predict_seconds, load_seconds)
