"""A tiny CNN the learner trains in the page, to see where kernels come from: made data, model, training."""
