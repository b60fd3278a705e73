"""Images and VGG16: reading any image safely, the shipped samples, the backbone and its weights,
every layer's maps, and the pictures made from them."""
