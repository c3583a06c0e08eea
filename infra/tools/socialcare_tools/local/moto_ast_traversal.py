"""Run moto's UpdateExpression validation passes without rebuilding each pass's map per node.

moto 5.2.5 validates an update with ten passes over the copied tree (the processors of
``UpdateExpressionValidator``, each a ``DepthFirstTraverser``). At every node of every pass
its traversal builds the pass's map of node kinds to handlers twice (once to ask whether
the node is handled, once more to find the handler) and tests the node against each kind
through ABCMeta's isinstance; the handlers themselves do little. For the conversation
upsert (~160 nodes) that walk was most of an update's validation.

``traverse`` is moto's ``traverse_node_recursively``, statement for statement: the same
nodes in the same order, the same ``pre_processing_of_child`` calls, the same handlers,
the same writes into the tree, so the same result and the same first error. Two things
are worked out once per pass instead of at every node: the map (each processor's
``_processing_map`` is a literal of its own bound methods, the same at every call), and,
per class of value met, whether it is a node and which handler takes it (isinstance
against moto's node classes depends on the class alone: none of them is given virtual
subclasses or a ``__class__`` of its own). A traverser whose class changes moto's walk is
walked by moto's code.
"""

from typing import Any

from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]

ORIGINAL_TRAVERSE = DepthFirstTraverser.traverse
_MOTO_WALK = ("traverse_node_recursively", "process", "nodes_to_be_processed")
_NO_HOOK = DepthFirstTraverser.pre_processing_of_child
_NOT_A_NODE = object()
_UNSEEN = object()


def traverse(self: Any, root: Any) -> Any:
    walker = type(self)
    if any(getattr(walker, name) is not getattr(DepthFirstTraverser, name) for name in _MOTO_WALK):
        return ORIGINAL_TRAVERSE(self, root)
    kinds = self.nodes_to_be_processed()
    handlers = self._processing_map()
    hook = None if walker.pre_processing_of_child is _NO_HOOK else self.pre_processing_of_child
    taken_by: dict[type, Any] = {}

    def handler_of(value: Any) -> Any:  # a handler, None (a node left as is), _NOT_A_NODE
        if not isinstance(value, Node):
            return _NOT_A_NODE
        if not isinstance(value, kinds):
            return None
        # DepthFirstTraverser.process: the first kind in the map's order
        return next(handler for kind, handler in handlers.items() if isinstance(value, kind))

    def visit(node: Any, child_id: int = -1) -> Any:
        handler = taken_by.get(type(node), _UNSEEN)
        if handler is _UNSEEN:
            handler = taken_by[type(node)] = handler_of(node)
        if handler is _NOT_A_NODE:
            return node
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                if hook is not None:
                    hook(node, i)
                visit(child_node, i)
        if handler is not None:
            node = handler(node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
        return node

    return visit(root)


def install() -> None:
    DepthFirstTraverser.traverse = traverse


def uninstall() -> None:
    DepthFirstTraverser.traverse = ORIGINAL_TRAVERSE
