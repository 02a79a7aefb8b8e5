"""Walking network, travel times and the sparse coverage relation of the model; imports solver.inputs and below."""
