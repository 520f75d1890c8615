"""JAX version of the Fashion-MNIST MLP benchmark: a jit-compiled train step + optax Adam."""

import functools
import time

import jax
import jax.numpy as jnp
import optax

import common

# XLA's CPU client runs its ops on a thread pool sized to the machine's cores
# (2 here); --threads is recorded but JAX has no supported runtime knob for it.
args = common.parse_args(__doc__)

x_train, y_train, x_test, y_test, load_seconds = common.load_fashion_mnist(args.data_dir)
# The whole data set lives on the device; each step gathers its batch inside the jit.
x_train = jax.device_put(x_train.reshape(-1, common.INPUT))
y_train = jax.device_put(y_train)
x_test = jax.device_put(x_test.reshape(-1, common.INPUT))
y_test = jax.device_put(y_test)


def init_params(key):
    glorot = jax.nn.initializers.glorot_uniform()
    shapes = [(common.INPUT, common.HIDDEN), (common.HIDDEN, common.HIDDEN),
              (common.HIDDEN, common.CLASSES)]
    keys = jax.random.split(key, len(shapes))
    return [(glorot(k, s, jnp.float32), jnp.zeros(s[1], jnp.float32)) for k, s in zip(keys, shapes)]


def forward(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss_fn(params, x, y):
    logits = forward(params, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits


optimizer = optax.adam(common.LEARNING_RATE, b1=common.BETA1, b2=common.BETA2, eps=common.EPSILON)


# One optimisation step per call (like the eager frameworks' per-batch loop). The step
# counter and the running metrics are carried on the device, so the Python loop only
# dispatches; buffers of the old state are donated to the new one.
@functools.partial(jax.jit, donate_argnums=(0, 1, 2))
def train_step(params, opt_state, carry, x_all, y_all, perm):
    step, loss_sum, correct = carry
    idx = jax.lax.dynamic_slice_in_dim(perm, step * common.BATCH, common.BATCH)
    x, y = x_all[idx], y_all[idx]
    (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    correct = correct + jnp.sum(jnp.argmax(logits, 1) == y)
    return params, opt_state, (step + 1, loss_sum + loss, correct)


predict = jax.jit(forward)


@jax.jit
def evaluate(params, x, y):
    loss, logits = loss_fn(params, x, y)
    return loss, jnp.mean(jnp.argmax(logits, 1) == y)


key, init_key = jax.random.split(jax.random.key(args.seed))
params = init_params(init_key)
assert sum(p.size for layer in params for p in layer) == common.PARAMETERS
opt_state = optimizer.init(params)

n = x_train.shape[0]
batches = n // common.BATCH  # 60000 / 32 = 1875 exactly: no partial batch
epochs = []
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()  # epoch 1 includes the jit compilation
    key, perm_key = jax.random.split(key)
    perm = jax.random.permutation(perm_key, n)
    carry = (jnp.int32(0), jnp.float32(0), jnp.int32(0))
    for _ in range(batches):
        params, opt_state, carry = train_step(params, opt_state, carry, x_train, y_train, perm)
    _, loss_sum, correct = jax.device_get(carry)  # waits for the epoch to finish
    record = {"epoch": epoch, "loss": float(loss_sum) / batches,
              "accuracy": int(correct) / n, "seconds": time.perf_counter() - start}
    epochs.append(record)
    common.log_epoch(args.epochs, record)

test_loss, test_accuracy = jax.device_get(evaluate(params, x_test, y_test))
# Predicting the 10k test images in one batch (compiled during the warm-up calls).
predict_seconds = common.median_seconds(lambda: predict(params, x_test).block_until_ready())

common.finish(args, f"JAX {jax.__version__} (jit step)", epochs, float(test_loss),
              float(test_accuracy), predict_seconds, load_seconds)
