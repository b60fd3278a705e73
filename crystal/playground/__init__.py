"""The playground's numerics: convolution, pooling, ReLU, flatten, dropout, dense and softmax,
each step written out; the example grids; typed and drawn matrices."""
