# Custom autograd Functions (PyTorch's "Extending torch.autograd"): ctx.save_for_backward,
# plain ctx attributes, needs_input_grad, mark_dirty, mark_non_differentiable,
# set_materialize_grads, setup_context, @once_differentiable, and @classmethod on a plain class.
import torch
from torch.autograd.function import once_differentiable


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


x = torch.tensor([1.0, 2.0], requires_grad=True)
y = Exp.apply(x).sum()
y.backward()
print(x.grad)
print(Exp.apply(x).grad_fn.name())


class MulConstant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        print("needs", ctx.needs_input_grad, torch.is_grad_enabled())
        return grad_output * ctx.constant, None


w = torch.tensor([3.0, -1.0], requires_grad=True)
MulConstant.apply(w, 2.5).sum().backward()
print(w.grad)


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(input, weight, bias=None):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


torch.manual_seed(0)
inp = torch.randn(4, 3, requires_grad=True)
weight = torch.randn(2, 3, requires_grad=True)
bias = torch.randn(2, requires_grad=True)
out = LinearFunction.apply(inp, weight, bias)
out.pow(2).sum().backward()
print(inp.grad)
print(weight.grad)
print(bias.grad)
no_bias = LinearFunction.apply(inp, weight)
print(no_bias.shape)


class AddOneInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        t.add_(1)
        ctx.mark_dirty(t)
        return t

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 1
c = AddOneInPlace.apply(b)
print(c, c is b)
(c * c).sum().backward()
print(a.grad)


class SortWithIndices(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        values, indices = t.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.set_materialize_grads(False)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        indices, = ctx.saved_tensors
        print("grad_indices is None:", grad_indices is None)
        grad = torch.zeros_like(grad_values)
        grad[indices] = grad_values
        return grad


s = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
values, indices = SortWithIndices.apply(s)
print(indices.requires_grad)
(values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
print(s.grad)


class Counter:
    made = 0

    @classmethod
    def make(cls, start):
        cls.made += 1
        return cls(start)

    def __init__(self, start):
        self.value = start

    @staticmethod
    def double(v):
        return 2 * v


k = Counter.make(4)
print(k.value, Counter.made, Counter.double(21), k.double(1))
try:
    Exp()(x)
except RuntimeError as e:
    print("refused:", str(e)[:40])
