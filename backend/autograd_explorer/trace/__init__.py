"""The tracer: a program's real autograd graph, forward values and recorded backward steps."""
