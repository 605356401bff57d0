/* stub: to be written */
#include "config.h"
typedef int db_stub_t;
