// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the PDU header checks and the AHS walker: any byte
 * string must be either accepted with lengths inside the limits, or
 * refused with a reason.
 */
#include <stdlib.h>

#include "proto/pdu.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kiss_pdu_limits lim = { 0 };
	struct kiss_pdu_info info;
	struct kiss_ahs_info ai;
	size_t rest;
	int ret;

	if (size < 1)
		return 0;
	/* The first byte picks the connection state and the limit. */
	lim.login = data[0] & 1;
	lim.discovery = data[0] & 2;
	lim.max_recv_dsl = 512u << ((data[0] >> 2) & 15);
	data++;
	size--;

	ret = kiss_pdu_check(data, size, &lim, &info);
	if (ret < 0 || ret >= KISS_PDU_ERR_COUNT)
		abort();
	if (kiss_pdu_err_str(ret)[0] == '\0')
		abort();
	if (ret != KISS_PDU_OK) {
		if (!kiss_pdu_err_to_reject(ret))
			abort();
		return 0;
	}
	if (info.data_len > lim.max_recv_dsl ||
	    info.ahs_len > KISS_MAX_AHS_LEN ||
	    info.data_padded < info.data_len || info.data_padded % 4)
		abort();

	rest = size - KISS_BHS_LEN;
	if (info.ahs_len && rest >= info.ahs_len) {
		if (kiss_pdu_parse_ahs(data + KISS_BHS_LEN, info.ahs_len,
				       &ai) == KISS_PDU_OK && ai.ext_cdb) {
			const u8 *end = data + KISS_BHS_LEN + info.ahs_len;

			if (ai.ext_cdb + ai.ext_cdb_len > end)
				abort();
		}
	}
	return 0;
}
