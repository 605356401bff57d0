/* stub: to be written */
#include "config.h"
typedef int seg_mux_stub_t;
