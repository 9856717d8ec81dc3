/* tn_test.h - tiny self-registering unit tests: TN_TEST(name) { ... }. */
#ifndef TN_TEST_H
#define TN_TEST_H

#include <stdio.h>
#include <string.h>

typedef void (*tn_test_fn)(void);
void tn_test_register(const char *name, const char *file, tn_test_fn fn);
void tn_test_fail(const char *file, int line, const char *expr);

/* Declares and registers a test. Tests run in file order within a file. */
#define TN_TEST(name)                                                        \
    static void name(void);                                                  \
    __attribute__((constructor)) static void name##_reg(void)                \
    {                                                                        \
        tn_test_register(#name, __FILE__, name);                             \
    }                                                                        \
    static void name(void)

/* A failed check marks the test failed and keeps going. */
#define CHECK(expr)                                                          \
    do {                                                                     \
        if (!(expr))                                                         \
            tn_test_fail(__FILE__, __LINE__, #expr);                         \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                             \
            fprintf(stderr, "  got \"%s\", want \"%s\"\n", a_ ? a_ : "(null)", \
                    b_ ? b_ : "(null)");                                     \
            tn_test_fail(__FILE__, __LINE__, #a " == " #b);                  \
        }                                                                    \
    } while (0)

#define CHECK_INT(a, b)                                                      \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_) {                                                      \
            fprintf(stderr, "  got %lld, want %lld\n", a_, b_);              \
            tn_test_fail(__FILE__, __LINE__, #a " == " #b);                  \
        }                                                                    \
    } while (0)

#endif
