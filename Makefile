# SPDX-License-Identifier: GPL-2.0
#
# kiss: an iSCSI target in the Linux kernel.
#
#   make                  kiss.ko for KVER (default: the running kernel) + kissctl
#   make unit             userspace unit tests of kernel/proto/ (plain, ASan+UBSan)
#   make fuzz-smoke       each libFuzzer target for a bounded time
#   make check            everything CI runs; see tests/check.sh
#   make demo             build, boot a Debian kernel under qemu, serve a LUN
#   make check-cluster    two kiss nodes over DRBD, ALUA, dm-multipath failover
#   make install          module into /lib/modules/KVER/extra, kissctl into /usr/sbin
#   make install-dkms     module sources into /usr/src/kiss-VERSION, for DKMS

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BUILD := build

PROTO_SRC := $(wildcard kernel/proto/*.c)
PROTO_HDR := $(wildcard kernel/proto/*.h)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_HDR := $(wildcard tests/lib/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
UNIT_SAN_BIN := $(patsubst tests/unit/%.c,$(BUILD)/unit-san/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Ikernel -Iuserspace/lib -Itests/lib
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
TEST_LIBS := -lcmocka -lcrypto

FUZZ_SECONDS ?= 20

.PHONY: check-cluster demo all module userspace unit unit-build fuzz fuzz-smoke check clean \
	install install-module install-userspace install-dkms bench

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

$(BUILD)/unit/%: tests/unit/%.c $(PROTO_SRC) $(PROTO_HDR) $(TESTLIB_SRC) $(TESTLIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(PROTO_SRC) $(TESTLIB_SRC) $(TEST_LIBS)

$(BUILD)/unit-san/%: tests/unit/%.c $(PROTO_SRC) $(PROTO_HDR) $(TESTLIB_SRC) $(TESTLIB_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(USER_CFLAGS) $(SAN_FLAGS) -o $@ $< $(PROTO_SRC) $(TESTLIB_SRC) $(TEST_LIBS)

unit-build: $(UNIT_BIN) $(UNIT_SAN_BIN)

unit: unit-build
	@tests/run-unit.sh $(UNIT_BIN) $(UNIT_SAN_BIN)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRC) $(PROTO_HDR) $(TESTLIB_SRC) $(TESTLIB_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(USER_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(PROTO_SRC) $(TESTLIB_SRC) -lcrypto

fuzz: $(FUZZ_BIN)

fuzz-smoke: fuzz
	@tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

check:
	@tests/check.sh

DEMO_KVER ?= $(shell tests/vm/kernels.sh 6.1)
demo: userspace
	tests/vm/build-module.sh $(DEMO_KVER) build/kmod-$(DEMO_KVER)
	tests/vm/run.sh -k $(DEMO_KVER) tests/vm/demo.sh build/kmod-$(DEMO_KVER)/kiss.ko

# Two guests, one LUN on DRBD served by kiss on both, a dm-multipath
# initiator through CLUSTER_ROUNDS unplanned failovers and planned
# switch-backs under fio --verify (tests/vm/cluster.sh).
# CLUSTER_ROUNDS=0: the short form, one failover and no switch-back; make
# check runs that (step vm-cluster-KVER in tests/check.sh).
CLUSTER_KVER ?= $(shell tests/vm/kernels.sh 6.1)
CLUSTER_ROUNDS ?= 3
check-cluster: userspace
	tests/vm/build-module.sh $(CLUSTER_KVER) build/kmod-$(CLUSTER_KVER)
	KISS_TEST_CLUSTER_ROUNDS=$(CLUSTER_ROUNDS) tests/vm/run2.sh \
		-k $(CLUSTER_KVER) -t $$(( 600 + 600 * $(CLUSTER_ROUNDS) )) \
		tests/vm/cluster.sh build/kmod-$(CLUSTER_KVER)/kiss.ko

# kiss against LIO and raw null_blk in one VM (not part of check); see
# bench/README.md.  BENCH_KVER=6.12, BENCH_RUNTIME=SECS, ...
bench:
	bench/run.sh

install: install-module install-userspace

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

install-userspace: userspace
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# What DKMS builds the module from, without build products: then
# "dkms install kiss/VERSION" (debian/rules uses this rule too).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := $(DESTDIR)/usr/src/kiss-$(DKMS_VERSION)
install-dkms:
	@test -n "$(DKMS_VERSION)" || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	install -D -m 0644 -t $(DKMS_SRC) Kbuild dkms.conf
	for f in $$(cd kernel && find . -name '*.[ch]'); do \
		install -D -m 0644 kernel/$$f $(DKMS_SRC)/kernel/$$f || exit 1; \
	done

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C userspace clean
	rm -rf $(BUILD)
