"""CuPy kernels: elementwise and fused updates where CuPy's ElementwiseKernel is the simplest
tool, and one raw CUDA C row softmax to compare with the Triton one. Imported only when
"cupy" is chosen, on CuPy arrays."""
