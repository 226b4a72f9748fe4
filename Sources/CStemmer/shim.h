#ifndef FEEDWATCH_CSTEMMER_SHIM_H
#define FEEDWATCH_CSTEMMER_SHIM_H
/* Snowball stemmers from Debian's libstemmer-dev (no pkg-config file). */
#include <libstemmer.h>
#endif
