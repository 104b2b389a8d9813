// Forced EAGAIN: an LD_PRELOAD library for the t/ suite that makes nginx's socket I/O
// partial, so that every read and write of a request, a body, the output and (next)
// cosockets goes through nginx's "not ready: wait for the event" paths.
//
// On a non-blocking stream socket, the calls of the directions chosen in
// NLF_FORCED_EAGAIN ("r": read, readv, recv, recvfrom; "w": write, writev, send; "rw")
// alternate: one fails with EAGAIN, the next moves at most NLF_FORCED_EAGAIN_BYTES
// bytes (default 1). Everything else (files, pipes, blocking sockets, nginx's channel,
// which uses sendmsg/recvmsg, MSG_PEEK reads) goes through untouched.
//
// nginx's epoll events are edge-triggered: after a forced EAGAIN or a short read or
// write, nginx waits for an edge that never comes, as the socket was ready all along.
// So epoll_ctl registrations are recorded, and the next epoll_wait also reports the
// sockets left that way (without waiting), as a level-triggered method would. A read
// is reported again only if data or the end of the stream is really there, so idle
// connections do not spin.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

enum Direction : uint32_t { reading = EPOLLIN, writing = EPOLLOUT };

struct Config {
    uint32_t directions = 0;
    size_t max_bytes = 1;
};

Config read_config() {
    Config c;
    if (const char *v = std::getenv("NLF_FORCED_EAGAIN")) {
        if (std::strchr(v, 'r')) c.directions |= reading;
        if (std::strchr(v, 'w')) c.directions |= writing;
    }
    if (const char *v = std::getenv("NLF_FORCED_EAGAIN_BYTES")) {
        const long n = std::strtol(v, nullptr, 10);
        if (n > 0) c.max_bytes = static_cast<size_t>(n);
    }
    return c;
}

const Config &config() {
    static const Config c = read_config();
    return c;
}

template <class F>
F next(const char *name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// Per fd. Only the worker's event loop thread gets here: nginx's thread pools touch
// files, which forced() turns away before any of this is read.
constexpr int max_fd = 1 << 16;
struct FdState {
    uint32_t fail_next = 0;   // directions whose next call fails
    uint32_t report = 0;      // directions the next epoll_wait reports
    int epfd = -1;            // its epoll registration, if any
    epoll_data_t data{};
    uint32_t events = 0;
};
FdState fds[max_fd];
int reported[max_fd];  // the fds with a report pending
int reported_count = 0;

bool forced(int fd, Direction d) {
    if ((config().directions & d) == 0 || fd < 0 || fd >= max_fd) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) == 0) return false;
    int type = 0;
    socklen_t len = sizeof type;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

void report_later(int fd, Direction d) {
    FdState &s = fds[fd];
    if (d == reading) {
        // Only if a read would find something (data, or the end of the stream).
        static const auto real_recv = next<ssize_t (*)(int, void *, size_t, int)>("recv");
        char byte;
        const ssize_t n = real_recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0) return;
    }
    if (s.report == 0) reported[reported_count++] = fd;
    s.report |= d;
}

// True when this call is the one that fails (errno EAGAIN); the calls in between go
// through, shortened.
bool fails_now(int fd, Direction d) {
    FdState &s = fds[fd];
    s.fail_next ^= d;
    if ((s.fail_next & d) == 0) return false;
    report_later(fd, d);
    errno = EAGAIN;
    return true;
}

size_t shortened(size_t len) { return len < config().max_bytes ? len : config().max_bytes; }

// One I/O call of len bytes on fd: passed through untouched, failed with EAGAIN, or
// made with at most max_bytes (call(n) does the real call for n bytes); what a call
// that went through leaves is reported again.
template <class Call>
ssize_t forced_call(int fd, Direction d, size_t len, Call call) {
    if (len == 0 || !forced(fd, d)) return call(len);
    if (fails_now(fd, d)) return -1;
    const ssize_t n = call(shortened(len));
    if (n > 0) report_later(fd, d);
    return n;
}

// The same for an iovec array: the first iovecs holding at most max_bytes, the last
// one cut.
constexpr int iov_max = 64;
template <class Call>
ssize_t forced_iov_call(int fd, Direction d, const struct iovec *iov, int iovcnt, Call call) {
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++) total += iov[i].iov_len;
    struct iovec cut[iov_max];
    return forced_call(fd, d, total, [&](size_t max) {
        if (max == total) return call(iov, iovcnt);
        int n = 0;
        for (int i = 0; i < iovcnt && max > 0 && n < iov_max; i++) {
            if (iov[i].iov_len == 0) continue;
            cut[n] = iov[i];
            if (cut[n].iov_len > max) cut[n].iov_len = max;
            max -= cut[n].iov_len;
            n++;
        }
        return call(cut, n);
    });
}

}  // namespace

extern "C" {

ssize_t read(int fd, void *buf, size_t count) {
    static const auto real = next<ssize_t (*)(int, void *, size_t)>("read");
    return forced_call(fd, reading, count, [&](size_t n) { return real(fd, buf, n); });
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
    static const auto real = next<ssize_t (*)(int, void *, size_t, int)>("recv");
    // MSG_PEEK: nginx checks whether a client went away; it must see the truth.
    if (flags & MSG_PEEK) return real(fd, buf, len, flags);
    return forced_call(fd, reading, len, [&](size_t n) { return real(fd, buf, n, flags); });
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                 socklen_t *addrlen) {
    static const auto real =
        next<ssize_t (*)(int, void *, size_t, int, struct sockaddr *, socklen_t *)>("recvfrom");
    if (flags & MSG_PEEK) return real(fd, buf, len, flags, addr, addrlen);
    return forced_call(fd, reading, len,
                       [&](size_t n) { return real(fd, buf, n, flags, addr, addrlen); });
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt) {
    static const auto real = next<ssize_t (*)(int, const struct iovec *, int)>("readv");
    return forced_iov_call(fd, reading, iov, iovcnt,
                           [&](const struct iovec *v, int n) { return real(fd, v, n); });
}

ssize_t write(int fd, const void *buf, size_t count) {
    static const auto real = next<ssize_t (*)(int, const void *, size_t)>("write");
    return forced_call(fd, writing, count, [&](size_t n) { return real(fd, buf, n); });
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
    static const auto real = next<ssize_t (*)(int, const void *, size_t, int)>("send");
    return forced_call(fd, writing, len, [&](size_t n) { return real(fd, buf, n, flags); });
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    static const auto real = next<ssize_t (*)(int, const struct iovec *, int)>("writev");
    return forced_iov_call(fd, writing, iov, iovcnt,
                           [&](const struct iovec *v, int n) { return real(fd, v, n); });
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
    static const auto real = next<int (*)(int, int, int, struct epoll_event *)>("epoll_ctl");
    const int rc = real(epfd, op, fd, event);
    if (rc == 0 && fd >= 0 && fd < max_fd) {
        FdState &s = fds[fd];
        if (op == EPOLL_CTL_DEL) {
            s.epfd = -1;
        } else {
            s.epfd = epfd;
            s.data = event->data;
            s.events = event->events;
        }
    }
    return rc;
}

int close(int fd) {
    static const auto real = next<int (*)(int)>("close");
    if (fd >= 0 && fd < max_fd) {
        fds[fd].epfd = -1;  // the kernel drops a closed fd from epoll by itself
        fds[fd].fail_next = 0;
        fds[fd].report = 0;
    }
    return real(fd);
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout) {
    static const auto real = next<int (*)(int, struct epoll_event *, int, int)>("epoll_wait");
    if (reported_count == 0) return real(epfd, events, maxevents, timeout);
    int n = real(epfd, events, maxevents, 0);
    if (n < 0) return n;
    int kept = 0;
    for (int i = 0; i < reported_count; i++) {
        const int fd = reported[i];
        FdState &s = fds[fd];
        const uint32_t what = s.report & s.events;
        if (s.epfd != epfd || what == 0) {  // closed, or not watched for that
            s.report = 0;
            continue;
        }
        int j = 0;
        while (j < n && events[j].data.u64 != s.data.u64) j++;
        if (j == n) {
            if (n == maxevents) {  // no room: next time
                reported[kept++] = fd;
                continue;
            }
            events[n].events = 0;
            events[n].data = s.data;
            n++;
        }
        events[j].events |= what;
        s.report = 0;
    }
    reported_count = kept;
    // Nothing left to report after all (the sockets were closed): wait as asked, as
    // nginx takes no events without a timeout for an error.
    return n > 0 ? n : real(epfd, events, maxevents, timeout);
}

}  // extern "C"
