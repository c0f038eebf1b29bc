package org.mydata.operator.gateway.broker;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * A gateway response whose writer passes text on in blocks and ignores the flushes of whoever writes to it.
 * HAPI encodes JSON with Jackson, whose {@code ObjectMapper.writeValue} flushes after every value, and HAPI writes
 * every string field through it: on the servlet's writer each flush sent what was written so far to the socket
 * as an HTTP chunk of its own, a system call (and a chunk for the client to read) per field of every resource.
 * That was about a quarter of the gateway's request threads' CPU on the search benchmark, for no reader: nothing
 * the gateway answers through the writer is read before it is whole. Nothing else changes: the same characters
 * go out in the same order, once {@value #BLOCK} of them are waiting, when the writer is closed (HAPI closes it
 * when the response is done), when the response is flushed as a whole ({@link #flushBuffer}), or when the request
 * ends ({@link #finish}); a reset of the response drops what waits here with what waits in the container.
 * Only the writer is wrapped: the output stream (bulk export downloads, HAPI's gzip) is the container's own.
 */
final class CoalescedWrites extends HttpServletResponseWrapper {
    static final int BLOCK = 16 * 1024;
    private Blocks blocks;
    private PrintWriter writer;

    CoalescedWrites(HttpServletResponse response) {
        super(response);
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            blocks = new Blocks(super.getWriter());
            writer = new PrintWriter(blocks, false);
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        if (blocks != null) {
            blocks.spill();
        }
        super.flushBuffer();
    }

    @Override
    public void resetBuffer() {
        if (blocks != null) {
            blocks.discard();
        }
        super.resetBuffer();
    }

    @Override
    public void reset() {
        if (blocks != null) {
            blocks.discard();
        }
        super.reset();
    }

    /** Passes on whatever still waits: the request is over, however it ended. */
    void finish() {
        if (blocks != null) {
            blocks.spill();
        }
    }

    /** The container's writer, written to a block at a time. */
    private static final class Blocks extends Writer {
        private final PrintWriter target;
        private final char[] block = new char[BLOCK];
        private int used;

        Blocks(PrintWriter target) {
            this.target = target;
        }

        @Override
        public void write(int c) {
            if (used == block.length) {
                spill();
            }
            block[used++] = (char) c;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            if (length > block.length - used) {
                spill();
                if (length >= block.length) {
                    target.write(chars, offset, length);
                    return;
                }
            }
            System.arraycopy(chars, offset, block, used, length);
            used += length;
        }

        @Override
        public void write(String text, int offset, int length) {
            if (length > block.length - used) {
                spill();
                if (length >= block.length) {
                    target.write(text, offset, length);
                    return;
                }
            }
            text.getChars(offset, offset + length, block, used);
            used += length;
        }

        /** Not passed on: see the class. What waits goes out when the block fills or the response ends. */
        @Override
        public void flush() {
        }

        @Override
        public void close() {
            spill();
            target.close();
        }

        void spill() {
            if (used > 0) {
                target.write(block, 0, used);
                used = 0;
            }
        }

        void discard() {
            used = 0;
        }
    }
}
