// Graphviz's in-process rendering API (Debian: libgraphviz-dev).
#include <graphviz/gvc.h>
#include <graphviz/cgraph.h>
