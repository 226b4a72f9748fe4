#ifndef FEEDWATCH_CCURLSHIMS_H
#define FEEDWATCH_CCURLSHIMS_H
/* Typed wrappers for libcurl's variadic entry points, which Swift cannot call. */
#include <curl/curl.h>

typedef size_t (*fw_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*fw_curl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);

CURLcode fw_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode fw_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode fw_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode fw_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode fw_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode fw_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, fw_curl_data_callback value);
CURLcode fw_curl_easy_setopt_xferinfo_callback(CURL *handle, fw_curl_xferinfo_callback value);

CURLcode fw_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode fw_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode fw_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode fw_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode fw_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode fw_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

/* Open-socket hook for the address guard: the callback decides per resolved address. */
CURLcode fw_curl_easy_setopt_opensocket(CURL *handle, curl_opensocket_callback callback, void *context);
/* The IP address libcurl is about to connect to: writes 4 or 16 bytes to `out` and returns
   4 or 6 for the family, 0 for anything else (e.g. a Unix socket). */
int fw_curl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16]);
/* Creates the socket libcurl asked for (what libcurl does itself without the hook). */
curl_socket_t fw_curl_open_socket(const struct curl_sockaddr *address);

/* CURLMsg.data is an anonymous union; these read its members. */
CURLcode fw_curlmsg_result(const CURLMsg *message);

/* libcurl's event interface (curl_multi_socket_action) on an epoll set of our own.

   curl_multi_perform checks every running transfer each time it runs, so with many slow
   transfers each wake-up costs in proportion to the transfers in flight. With the event
   interface libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when its
   next timer is due (CURLMOPT_TIMERFUNCTION), and each wake-up runs only the transfers whose
   socket or timer fired. The callbacks live here, in C, so no C types reach Swift. */
typedef struct fw_curl_events fw_curl_events;

/* Creates the epoll set and the wake-up eventfd and installs the two callbacks on `multi`;
   NULL when the kernel refuses either descriptor or libcurl refuses a callback. */
fw_curl_events *fw_curl_events_create(CURLM *multi);
/* Closes the descriptors. Call after curl_multi_cleanup, which still reports removed sockets. */
void fw_curl_events_destroy(fw_curl_events *events);
/* Interrupts fw_curl_events_run from any thread. */
void fw_curl_events_wake(fw_curl_events *events);
/* Waits until a watched socket is ready, libcurl's timer is due, fw_curl_events_wake is
   called, or `max_wait_ms` pass; then hands each ready socket and a due timer to
   curl_multi_socket_action. */
void fw_curl_events_run(fw_curl_events *events, CURLM *multi, int max_wait_ms);
#endif
