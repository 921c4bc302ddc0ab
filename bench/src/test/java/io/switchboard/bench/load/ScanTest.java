package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ScanTest {

    private static ByteBuf frame(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    @Test
    void readsTheNumbersOfASwitchboardEventFrame() {
        ByteBuf frame = frame("{\"op\":\"event\",\"channel\":\"bench.t\",\"event\":\"tick\","
                + "\"data\":{\"p\":3,\"seq\":42,\"t\":1234567,\"pad\":\"xxxx\"},\"offset\":\"e1-42\"}");
        long[] numbers = new long[3];

        assertThat(Scan.eventNumbers(frame, frame.readerIndex(), numbers)).isTrue();
        assertThat(numbers).containsExactly(3, 42, 1234567);
    }

    @Test
    void readsTheNumbersOfASocketIoEventPacket() {
        ByteBuf frame = frame("42[\"tick\",{\"p\":7,\"seq\":1,\"t\":99,\"pad\":\"\"}]");
        long[] numbers = new long[3];

        assertThat(Scan.eventNumbers(frame, 0, numbers)).isTrue();
        assertThat(numbers).containsExactly(7, 1, 99);
    }

    @Test
    void refusesAnEventWithoutTheGeneratorsNumbers() {
        ByteBuf frame = frame("{\"op\":\"event\",\"channel\":\"news\",\"event\":\"tick\",\"data\":{\"message\":\"hi\"}}");

        assertThat(Scan.eventNumbers(frame, 0, new long[3])).isFalse();
    }

    @Test
    void refusesANegativeTimestamp() {
        ByteBuf frame = frame("{\"data\":{\"p\":1,\"seq\":1,\"t\":-630}}");

        assertThat(Scan.eventNumbers(frame, 0, new long[3])).isFalse();
    }

    @Test
    void startsWithLooksFromTheReaderIndex() {
        ByteBuf frame = frame("xx42[\"tick\"");
        frame.skipBytes(2);

        assertThat(Scan.startsWith(frame, Scan.bytes("42[\"tick\""))).isTrue();
        assertThat(Scan.indexOf(frame, Scan.bytes("tick"), 0)).isEqualTo(6);
    }

    @Test
    void findsTheNewlinesThatSeparateTheFramesOfABatchedMessage() {
        String first = "{\"op\":\"event\",\"data\":{\"p\":1,\"seq\":7,\"t\":70}}";
        String second = "{\"op\":\"event\",\"data\":{\"p\":1,\"seq\":8,\"t\":80}}";
        ByteBuf message = frame(first + "\n" + second);

        int newline = Scan.indexOfNewline(message, message.readerIndex());
        assertThat(newline).isEqualTo(first.length());
        assertThat(Scan.indexOfNewline(message, newline + 1)).isEqualTo(-1);
        assertThat(Scan.indexOfNewline(message, message.writerIndex())).isEqualTo(-1);
    }

    @Test
    void readsEachFrameOfABatchedMessageInItsOwnSliceWithoutReadingIntoTheNext() {
        String first = "{\"op\":\"event\",\"data\":{\"p\":2,\"seq\":7,\"t\":70}}";
        String second = "{\"op\":\"event\",\"data\":{\"p\":2,\"seq\":8,\"t\":80}}";
        ByteBuf message = frame(first + "\n" + second);
        int newline = Scan.indexOfNewline(message, 0);
        long[] numbers = new long[3];

        ByteBuf one = message.slice(0, newline);
        assertThat(Scan.startsWith(one, Scan.bytes("{\"op\":\"event\""))).isTrue();
        assertThat(Scan.eventNumbers(one, one.readerIndex(), numbers)).isTrue();
        assertThat(numbers).containsExactly(2, 7, 70);

        ByteBuf two = message.slice(newline + 1, message.writerIndex() - newline - 1);
        assertThat(Scan.eventNumbers(two, two.readerIndex(), numbers)).isTrue();
        assertThat(numbers).containsExactly(2, 8, 80);
    }

    @Test
    void aFrameWithoutTheTimestampIsRefusedEvenIfTheNextFrameOfItsBatchHasOne() {
        ByteBuf message = frame("{\"data\":{\"p\":1,\"seq\":1}}\n{\"data\":{\"p\":1,\"seq\":2,\"t\":5}}");
        int newline = Scan.indexOfNewline(message, 0);

        assertThat(Scan.eventNumbers(message.slice(0, newline), 0, new long[3])).isFalse();
    }
}
