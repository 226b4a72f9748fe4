#ifndef FEEDWATCH_CLIBXML2_SHIM_H
#define FEEDWATCH_CLIBXML2_SHIM_H
/* Debian's libxml2 headers pull in the system ICU headers, which clash with the ICU
   bundled in Foundation on a clean build; feedwatch uses none of libxml2's ICU API. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/uri.h>

/* xmlFree is a global function-pointer variable, which Swift 6 will not touch. */
static inline void fw_xmlFree(void *p) { xmlFree(p); }

/* The error domain/code of the last error on a parser context. */
static inline int fw_xmlCtxtLastErrorCode(xmlParserCtxtPtr ctxt) {
    return ctxt ? ctxt->lastError.code : 0;
}
static inline int fw_xmlCtxtWellFormed(xmlParserCtxtPtr ctxt) {
    return ctxt ? ctxt->wellFormed : 0;
}
#endif
