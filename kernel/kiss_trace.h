/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiss tracepoints: PDUs in and out, SCSI commands from arrival to
 * response, task management.  A connection is named by its session's
 * TSIH (0 before the login ends), a command by its ITT, so that
 *
 *	trace-cmd record -e kiss
 *	perf trace -e 'kiss:*'
 *
 * follow one command through the target.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kiss

#if !defined(KISS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KISS_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(kiss_pdu,
		    TP_PROTO(u16 tsih, u8 opcode, u32 itt, u32 dsl),
		    TP_ARGS(tsih, opcode, itt, dsl),
		    TP_STRUCT__entry(__field(u16, tsih)
				     __field(u8, opcode)
				     __field(u32, itt)
				     __field(u32, dsl)),
		    TP_fast_assign(__entry->tsih = tsih;
				   __entry->opcode = opcode;
				   __entry->itt = itt;
				   __entry->dsl = dsl;),
		    TP_printk("tsih=%u opcode=0x%02x itt=0x%x len=%u",
			      __entry->tsih, __entry->opcode, __entry->itt,
			      __entry->dsl)
);

DEFINE_EVENT(kiss_pdu, kiss_pdu_rx,
	     TP_PROTO(u16 tsih, u8 opcode, u32 itt, u32 dsl),
	     TP_ARGS(tsih, opcode, itt, dsl)
);

DEFINE_EVENT(kiss_pdu, kiss_pdu_tx,
	     TP_PROTO(u16 tsih, u8 opcode, u32 itt, u32 dsl),
	     TP_ARGS(tsih, opcode, itt, dsl)
);

TRACE_EVENT(kiss_cmd_start,
	    TP_PROTO(u16 tsih, u32 itt, u32 cmd_sn, u8 opcode, u32 edtl),
	    TP_ARGS(tsih, itt, cmd_sn, opcode, edtl),
	    TP_STRUCT__entry(__field(u16, tsih)
			     __field(u32, itt)
			     __field(u32, cmd_sn)
			     __field(u8, opcode)
			     __field(u32, edtl)),
	    TP_fast_assign(__entry->tsih = tsih;
			   __entry->itt = itt;
			   __entry->cmd_sn = cmd_sn;
			   __entry->opcode = opcode;
			   __entry->edtl = edtl;),
	    TP_printk("tsih=%u itt=0x%x cmdsn=%u cdb=0x%02x edtl=%u",
		      __entry->tsih, __entry->itt, __entry->cmd_sn,
		      __entry->opcode, __entry->edtl)
);

TRACE_EVENT(kiss_cmd_done,
	    TP_PROTO(u16 tsih, u32 itt, u8 status, u8 sense_key, u32 data_len, bool aborted),
	    TP_ARGS(tsih, itt, status, sense_key, data_len, aborted),
	    TP_STRUCT__entry(__field(u16, tsih)
			     __field(u32, itt)
			     __field(u8, status)
			     __field(u8, sense_key)
			     __field(u32, data_len)
			     __field(bool, aborted)),
	    TP_fast_assign(__entry->tsih = tsih;
			   __entry->itt = itt;
			   __entry->status = status;
			   __entry->sense_key = sense_key;
			   __entry->data_len = data_len;
			   __entry->aborted = aborted;),
	    TP_printk("tsih=%u itt=0x%x status=0x%02x sense_key=0x%x len=%u%s",
		      __entry->tsih, __entry->itt, __entry->status,
		      __entry->sense_key, __entry->data_len,
		      __entry->aborted ? " aborted" : "")
);

TRACE_EVENT(kiss_tmf,
	    TP_PROTO(u16 tsih, u32 itt, u8 function, u32 rtt, u8 response),
	    TP_ARGS(tsih, itt, function, rtt, response),
	    TP_STRUCT__entry(__field(u16, tsih)
			     __field(u32, itt)
			     __field(u8, function)
			     __field(u32, rtt)
			     __field(u8, response)),
	    TP_fast_assign(__entry->tsih = tsih;
			   __entry->itt = itt;
			   __entry->function = function;
			   __entry->rtt = rtt;
			   __entry->response = response;),
	    TP_printk("tsih=%u itt=0x%x function=%u rtt=0x%x response=%u",
		      __entry->tsih, __entry->itt, __entry->function,
		      __entry->rtt, __entry->response)
);

#endif /* KISS_TRACE_H */

/* An out-of-tree header: found through the -I of Kbuild's ccflags. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kiss_trace
#include <trace/define_trace.h>
