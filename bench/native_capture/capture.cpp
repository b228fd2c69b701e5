// A probe, not part of the app: capture_pass (trace/backward_capture.py) written in C++, to measure
// what hooks in C++ would save. Walks the graph from the roots, adds a C++ post-hook to every node
// (no Python call inside the backward), runs `run`, removes the hooks, then hands back what
// capture_pass records: the nodes walked and, in the engine's order, (node, grad_outputs,
// grad_inputs) with None for an undefined gradient (to_python=False: only the counts, the records
// freed in C++, to time the hooks alone; keep=False: hooks that record nothing). Built by bench/native_capture_bench.py.
#include <torch/extension.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/python_cpp_function.h>
#include <torch/csrc/autograd/python_function.h>
#include <torch/csrc/autograd/python_variable.h>

#include <memory>
#include <unordered_set>
#include <vector>

using torch::autograd::Node;
using torch::autograd::variable_list;

namespace {

struct Record {
  size_t node;
  variable_list grad_outputs;
  variable_list grad_inputs;
};

struct RecordHook : torch::autograd::FunctionPostHook {
  std::shared_ptr<std::vector<Record>> records;
  size_t node;
  bool keep;
  RecordHook(std::shared_ptr<std::vector<Record>> r, size_t i, bool k) : records(std::move(r)), node(i), keep(k) {}
  variable_list operator()(const variable_list& outputs, const variable_list& inputs) override {
    if (keep) {
      records->push_back(Record{node, inputs, outputs});  // the engine's thread: no Python here
    }
    return outputs;
  }
};

c10::intrusive_ptr<Node> as_node(PyObject* obj) {
  if (torch::autograd::THPCppFunction_Check(obj)) {
    return reinterpret_cast<torch::autograd::THPCppFunction*>(obj)->cdata;
  }
  if (THPFunction_Check(obj)) {
    return reinterpret_cast<THPFunction*>(obj)->cdata;
  }
  throw std::invalid_argument("not an autograd graph node");
}

py::tuple wrap(const variable_list& vars) {
  py::tuple out(vars.size());
  for (size_t i = 0; i < vars.size(); ++i) {
    out[i] = py::reinterpret_steal<py::object>(THPVariable_Wrap(vars[i]));  // undefined: None
  }
  return out;
}

py::tuple capture_all(const py::list& roots, const py::function& run, bool to_python, bool keep) {
  std::vector<c10::intrusive_ptr<Node>> nodes;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (auto root : roots) {
    auto node = as_node(root.ptr());
    if (seen.insert(node.get()).second) {
      stack.push_back(node.get());
      nodes.push_back(std::move(node));
    }
  }
  while (!stack.empty()) {
    Node* fn = stack.back();
    stack.pop_back();
    for (const auto& edge : fn->next_edges()) {
      if (edge.function && seen.insert(edge.function.get()).second) {
        stack.push_back(edge.function.get());
        nodes.push_back(edge.function);
      }
    }
  }
  auto records = std::make_shared<std::vector<Record>>();
  records->reserve(nodes.size());
  std::vector<uintptr_t> keys;
  keys.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    keys.push_back(nodes[i]->add_post_hook(std::make_unique<RecordHook>(records, i, keep)));
  }
  auto unhook = [&]() {
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i]->del_post_hook(keys[i]);
    }
  };
  py::object result;
  try {
    result = run();
  } catch (...) {
    unhook();
    throw;
  }
  unhook();
  if (!to_python) {  // the records stay C++ (freed here): what the hooks alone cost
    return py::make_tuple(py::int_(nodes.size()), py::int_(records->size()), result);
  }
  py::list py_nodes(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    py_nodes[i] = py::reinterpret_steal<py::object>(torch::autograd::functionToPyObject(nodes[i]));
  }
  py::list steps(records->size());
  for (size_t k = 0; k < records->size(); ++k) {
    const Record& r = (*records)[k];
    steps[k] = py::make_tuple(py_nodes[r.node], wrap(r.grad_outputs), wrap(r.grad_inputs));
  }
  return py::make_tuple(py_nodes, steps, result);
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("capture_all", &capture_all, "walk, hook natively, run, unhook: (nodes, steps, run's result)",
        py::arg("roots"), py::arg("run"), py::arg("to_python") = true, py::arg("keep") = true);
}
