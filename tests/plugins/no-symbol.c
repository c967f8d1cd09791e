/* Test plugin: a shared object that is not a sourceos plugin. */
#include "config.h"

int not_a_plugin(void);

int not_a_plugin(void)
{
    return 42;
}
