# Attention by hand as tutorials paste it: embeddings looked up with index_select, scores with
# torch.einsum, a causal mask from the triangle's non-zero indices, positions repeated with
# repeat_interleave, sliding windows with unfold, a diagonal matrix and new_* factories.
import torch

torch.manual_seed(0)
vocab, dim = 12, 4
embedding = torch.randn(vocab, dim, requires_grad=True)
tokens = torch.tensor([[1, 5, 7], [2, 2, 9]])
x = embedding.index_select(0, tokens.flatten()).view(2, 3, dim)
q, k, v = x * 0.5, x.flip(1), x + 1
scores = torch.einsum("bid,bjd->bij", q, k) / dim**0.5
upper = torch.triu(torch.ones(3, 3), diagonal=1).nonzero(as_tuple=True)
scores[:, upper[0], upper[1]] = float("-inf")
weights = scores.softmax(dim=-1)
out = torch.einsum("bij,bjd->bid", weights, v)
print(torch.triu(torch.ones(3, 3), diagonal=1).nonzero().tolist())
print(weights.detach()[0])
scale = torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0]))
out = torch.einsum("bid,de", out, scale)
batch_of = torch.arange(2).repeat_interleave(3)
windows = out.sum(-1).flatten().unfold(0, 2, 2)
loss = windows.pow(2).sum() + out.new_zeros(2).sum() + out.new_full((1,), 0.5).sum()
loss.backward()
print(batch_of.tolist(), windows.shape, f"{loss.item():.4f}")
print(embedding.grad[tokens.flatten()].abs().sum(1))
print(torch.einsum("ii", scale), torch.einsum("i,i->", scale.diag(), scale.diag()))
