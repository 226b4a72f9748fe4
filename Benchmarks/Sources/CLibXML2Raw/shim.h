#ifndef FEEDWATCH_BENCH_CLIBXML2_SHIM_H
#define FEEDWATCH_BENCH_CLIBXML2_SHIM_H
/* Same ICU clash as the main package's shim: keep libxml2's ICU headers out. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#endif
