#include "CCurlShims.h"
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

CURLcode fw_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, fw_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
CURLcode fw_curl_easy_setopt_xferinfo_callback(CURL *handle, fw_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

CURLcode fw_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode fw_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode fw_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode fw_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}
CURLcode fw_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLMcode fw_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

CURLcode fw_curlmsg_result(const CURLMsg *message) {
    return message->data.result;
}

CURLcode fw_curl_easy_setopt_opensocket(CURL *handle, curl_opensocket_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, context);
}

int fw_curl_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16]) {
    if (!address) return 0;
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&address->addr;
        memcpy(out, &v4->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&address->addr;
        memcpy(out, &v6->sin6_addr, 16);
        return 6;
    }
    return 0;
}

curl_socket_t fw_curl_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype, address->protocol);
}

/* ---- libcurl's event interface on epoll (see the header for why) ---- */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/* Ready sockets taken from the kernel per wait; more stay ready for the next wait. */
#define FW_EVENTS_PER_WAIT 64

struct fw_curl_events {
    int epoll_fd;
    int wake_fd;
    /* When libcurl's timer is due (CLOCK_MONOTONIC milliseconds), or -1 when it has none. */
    int64_t timer_due_ms;
};

static int64_t fw_monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one socket. */
static int fw_curl_events_socket(CURL *easy, curl_socket_t socket, int what, void *context, void *socket_context) {
    (void)easy;
    (void)socket_context;
    fw_curl_events *events = context;
    if (what == CURL_POLL_REMOVE) {
        /* The socket may already be closed, which took it out of the set. */
        epoll_ctl(events->epoll_fd, EPOLL_CTL_DEL, socket, NULL);
        return 0;
    }
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    event.data.fd = socket;
    /* libcurl says nothing about whether it reported this socket before; a descriptor number can
       also come back for a new socket. So modify, and add when the set does not hold it. */
    if (epoll_ctl(events->epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT) {
        epoll_ctl(events->epoll_fd, EPOLL_CTL_ADD, socket, &event);
    }
    /* Always 0: -1 would mark the whole multi handle dead and fail every transfer. A socket the
       kernel would not watch (out of memory, too many watches) still moves whenever one of its
       transfer's timers fires (the low-speed check, once a second unless `low_speed_limit` is 0),
       as libcurl then looks at the socket itself; its total time limit always holds. */
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl's single timer, relative to now; -1 deletes it. */
static int fw_curl_events_timer(CURLM *multi, long timeout_ms, void *context) {
    (void)multi;
    fw_curl_events *events = context;
    /* Capped at a day, so the sum cannot overflow; the engine wakes every second anyway. */
    const long day_ms = 24L * 60 * 60 * 1000;
    events->timer_due_ms = timeout_ms < 0 ? -1 : fw_monotonic_ms() + (timeout_ms < day_ms ? timeout_ms : day_ms);
    return 0;
}

fw_curl_events *fw_curl_events_create(CURLM *multi) {
    fw_curl_events *events = calloc(1, sizeof *events);
    if (!events) return NULL;
    events->timer_due_ms = -1;
    events->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    events->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event wake;
    memset(&wake, 0, sizeof wake);
    wake.events = EPOLLIN;
    wake.data.fd = events->wake_fd;
    if (events->epoll_fd < 0 || events->wake_fd < 0
        || epoll_ctl(events->epoll_fd, EPOLL_CTL_ADD, events->wake_fd, &wake) != 0
        || curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, fw_curl_events_socket) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, events) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, fw_curl_events_timer) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_TIMERDATA, events) != CURLM_OK) {
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, NULL);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, NULL);
        fw_curl_events_destroy(events);
        return NULL;
    }
    return events;
}

void fw_curl_events_destroy(fw_curl_events *events) {
    if (!events) return;
    if (events->epoll_fd >= 0) close(events->epoll_fd);
    if (events->wake_fd >= 0) close(events->wake_fd);
    free(events);
}

void fw_curl_events_wake(fw_curl_events *events) {
    uint64_t one = 1;
    /* EAGAIN means the counter is already non-zero: a wake-up is pending anyway. */
    ssize_t written = write(events->wake_fd, &one, sizeof one);
    (void)written;
}

void fw_curl_events_run(fw_curl_events *events, CURLM *multi, int max_wait_ms) {
    int wait_ms = max_wait_ms;
    if (events->timer_due_ms >= 0) {
        int64_t until_due = events->timer_due_ms - fw_monotonic_ms();
        if (until_due < wait_ms) wait_ms = until_due > 0 ? (int)until_due : 0;
    }
    struct epoll_event ready[FW_EVENTS_PER_WAIT];
    int count = epoll_wait(events->epoll_fd, ready, FW_EVENTS_PER_WAIT, wait_ms);
    int running = 0;
    for (int index = 0; index < count; index++) {
        int fd = ready[index].data.fd;
        if (fd == events->wake_fd) {
            uint64_t drained;
            ssize_t got = read(events->wake_fd, &drained, sizeof drained);
            (void)got;
            continue;
        }
        uint32_t flags = ready[index].events;
        /* An error or hang-up alone is handed over as "no bits": libcurl then checks the socket
           itself and reports what it finds (a reset, a refusal) rather than a bare poll error. */
        int action = (flags & EPOLLIN ? CURL_CSELECT_IN : 0) | (flags & EPOLLOUT ? CURL_CSELECT_OUT : 0);
        curl_multi_socket_action(multi, fd, action, &running);
    }
    /* The timer is checked after the sockets: acting on them can move or delete it. */
    if (events->timer_due_ms >= 0 && events->timer_due_ms <= fw_monotonic_ms()) {
        events->timer_due_ms = -1;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}
