"""TensorFlow / Keras 3 version of the Fashion-MNIST MLP benchmark (the tutorial's code)."""

import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's start-up chatter out of the log

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import common  # noqa: E402

args = common.parse_args(__doc__)
tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
keras.utils.set_random_seed(args.seed)

x_train, y_train, x_test, y_test, load_seconds = common.load_fashion_mnist(args.data_dir)

# Keras' defaults already are Glorot-uniform kernels, zero biases, Adam(1e-3, 0.9, 0.999, 1e-7).
model = keras.Sequential([
    keras.Input(shape=(28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(common.HIDDEN, activation="relu"),
    keras.layers.Dense(common.HIDDEN, activation="relu"),
    keras.layers.Dense(common.CLASSES),
])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
assert model.count_params() == common.PARAMETERS


class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


timer = EpochTimer()
# batch_size=32 and shuffle=True are fit's defaults; verbose=2 prints one line per epoch
# instead of a progress bar redrawn every step (the Swift demo runs with --verbose 0).
history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=common.BATCH,
                    shuffle=True, verbose=2, callbacks=[timer])

epochs = []
for i, seconds in enumerate(timer.seconds):
    record = {"epoch": i + 1, "loss": float(history.history["loss"][i]),
              "accuracy": float(history.history["accuracy"][i]), "seconds": seconds}
    epochs.append(record)
    common.log_epoch(args.epochs, record)

test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
# The tutorial's `model.predict(test_images)`: predict's default batch size is 32, so this
# is 313 small batches. The one-batch figure is kept too, as it is what the others measure.
predict_seconds = common.median_seconds(lambda: model.predict(x_test, verbose=0))
predict_one_batch = common.median_seconds(
    lambda: model.predict(x_test, batch_size=len(x_test), verbose=0))

common.finish(args, f"TensorFlow {tf.__version__} / Keras {keras.__version__}", epochs,
              test_loss, test_accuracy, predict_seconds, load_seconds,
              extra={"predictSecondsOneBatch": predict_one_batch})
