"""JAX version of the Fashion-MNIST CNN benchmark (`fashion --model cnn`): a jit-compiled
train step + optax Adam, NHWC images and HWIO kernels as in Tapestry and Keras."""

import functools
import time

import jax
import jax.numpy as jnp
import optax

import common

CNN_PARAMETERS = 121930

args = common.parse_args(__doc__)

x_train, y_train, x_test, y_test, load_seconds = common.load_fashion_mnist(args.data_dir)
x_train = jax.device_put(x_train.reshape(-1, 28, 28, 1))
y_train = jax.device_put(y_train)
x_test = jax.device_put(x_test.reshape(-1, 28, 28, 1))
y_test = jax.device_put(y_test)


def init_params(key):
    glorot = jax.nn.initializers.glorot_uniform()
    k1, k2, k3, k4 = jax.random.split(key, 4)
    conv1 = glorot(k1, (3, 3, 1, 32), jnp.float32), jnp.zeros(32, jnp.float32)
    conv2 = glorot(k2, (3, 3, 32, 64), jnp.float32), jnp.zeros(64, jnp.float32)
    dense1 = glorot(k3, (1600, 64), jnp.float32), jnp.zeros(64, jnp.float32)
    dense2 = glorot(k4, (64, common.CLASSES), jnp.float32), jnp.zeros(common.CLASSES, jnp.float32)
    return [conv1, conv2, dense1, dense2]


def conv(x, kernel, bias):
    y = jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jax.nn.relu(y + bias)


def max_pool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def forward(params, x):
    (k1, b1), (k2, b2), (w1, c1), (w2, c2) = params
    x = max_pool(conv(x, k1, b1))
    x = max_pool(conv(x, k2, b2))
    x = jax.nn.relu(x.reshape(x.shape[0], -1) @ w1 + c1)
    return x @ w2 + c2


def loss_fn(params, x, y):
    logits = forward(params, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits


optimizer = optax.adam(common.LEARNING_RATE, b1=common.BETA1, b2=common.BETA2, eps=common.EPSILON)


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
assert sum(p.size for layer in params for p in layer) == CNN_PARAMETERS
opt_state = optimizer.init(params)

n = x_train.shape[0]
batches = n // common.BATCH
epochs = []
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()  # epoch 1 includes the jit compilation
    key, perm_key = jax.random.split(key)
    perm = jax.random.permutation(perm_key, n)
    carry = (jnp.int32(0), jnp.float32(0), jnp.int32(0))
    for _ in range(batches):
        params, opt_state, carry = train_step(params, opt_state, carry, x_train, y_train, perm)
    _, loss_sum, correct = jax.device_get(carry)
    record = {"epoch": epoch, "loss": float(loss_sum) / batches,
              "accuracy": int(correct) / n, "seconds": time.perf_counter() - start}
    epochs.append(record)
    common.log_epoch(args.epochs, record)

test_loss, test_accuracy = jax.device_get(evaluate(params, x_test, y_test))
predict_seconds = common.median_seconds(lambda: predict(params, x_test).block_until_ready())

common.finish(args, f"JAX {jax.__version__} (jit step)", epochs, float(test_loss),
              float(test_accuracy), predict_seconds, load_seconds,
              extra={"parameters": CNN_PARAMETERS, "model": "cnn"})
