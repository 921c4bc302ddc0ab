package io.switchboard.bench;

import io.switchboard.bench.ProfileSummary.ThreadKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileSummaryTest {

    /** 100 samples, as async-profiler writes them with {@code threads}: the thread first, the leaf last. */
    private static final String COLLAPSED = """
            [http-nio-8080-exec-1 tid=101];java/lang/Thread.run;org/apache/tomcat/util/threads/TaskThread$WrappingRunnable.run;org/apache/catalina/connector/CoyoteAdapter.service;writev_[k] 20
            [http-nio-8080-exec-2 tid=102];java/lang/Thread.run;org/apache/tomcat/util/threads/TaskThread$WrappingRunnable.run;G1CollectedHeap::attempt_allocation_slow 5
            [http-nio-8080-Poller tid=103];java/lang/Thread.run;org/apache/tomcat/util/net/NioEndpoint$Poller.run;sun/nio/ch/EPoll.wait;do_epoll_wait_[k] 10
            [http-nio-8080-Acceptor tid=104];java/lang/Thread.run;org/apache/tomcat/util/net/Acceptor.run;sun/nio/ch/Net.accept 2
            [redisson-netty-1-3 tid=105];io/netty/channel/SingleThreadIoEventLoop.run;io/netty/channel/nio/NioIoHandler.run;io/switchboard/internal/core/TopicInbox.drain;writev_[k] 15
            [redisson-netty-1-4 tid=106];io/netty/channel/SingleThreadIoEventLoop.run;io/netty/channel/nio/NioIoHandler.run;sun/nio/ch/SocketDispatcher.read0 8
            [switchboard-fanout-1 tid=107];java/lang/Thread.run;java/util/concurrent/ThreadPoolExecutor$Worker.run;io/switchboard/internal/core/TopicInbox.drain;io/switchboard/internal/core/Fanout.run 12
            [switchboard-timer tid=108];java/lang/Thread.run;io/switchboard/internal/session/SendQueue.sweep 3
            [C2 CompilerThread0 tid=109];thread_native_entry;CompileBroker::compiler_thread_loop;C2Compiler::compile_method 9
            [GC Thread#0 tid=110];thread_native_entry;GangWorker::run;G1ParEvacuateFollowersClosure::do_void 6
            [VM Thread tid=111];thread_native_entry;VMThread::run;SafepointSynchronize::begin 4
            [Signal Dispatcher tid=112];java/lang/Thread.run;futex_wait_[k] 6

            not a stack line
            """;

    private static ProfileSummary summary() {
        return ProfileSummary.of(COLLAPSED.lines().toList());
    }

    @Test
    void countsEverySampleOfEveryStackLine() {
        assertThat(summary().total()).isEqualTo(100);
    }

    @Test
    void sortsSamplesByTheThreadKindTheirFramesShow() {
        ProfileSummary summary = summary();

        assertThat(summary.samples(ThreadKind.TOMCAT_REQUEST)).isEqualTo(25);
        assertThat(summary.samples(ThreadKind.TOMCAT_POLLER)).isEqualTo(10);
        assertThat(summary.samples(ThreadKind.TOMCAT_ACCEPTOR)).isEqualTo(2);
        assertThat(summary.samples(ThreadKind.EVENT_LOOP)).isEqualTo(23);
        assertThat(summary.samples(ThreadKind.FANOUT)).isEqualTo(15);
        assertThat(summary.samples(ThreadKind.JIT)).isEqualTo(9);
        assertThat(summary.samples(ThreadKind.GC)).isEqualTo(6);
        assertThat(summary.samples(ThreadKind.OTHER)).isEqualTo(10);
    }

    @Test
    void anAllocationSlowPathOnARequestThreadStaysWithTheRequestThread() {
        assertThat(ProfileSummary.kind("org/apache/tomcat/util/threads/TaskThread$WrappingRunnable.run;G1CollectedHeap::attempt_allocation_slow"))
                .isEqualTo(ThreadKind.TOMCAT_REQUEST);
    }

    @Test
    void aStackCutShortIsKnownByItsThreadsName() {
        assertThat(ProfileSummary.kind("[http-nio-8080-exec-3 tid=7];[no_Java_frame]")).isEqualTo(ThreadKind.TOMCAT_REQUEST);
        assertThat(ProfileSummary.kind("[http-nio-127.0.0.1-8080-Poller tid=8];epoll_wait")).isEqualTo(ThreadKind.TOMCAT_POLLER);
        assertThat(ProfileSummary.kind("[redisson-netty-1-2 tid=9];[unknown]")).isEqualTo(ThreadKind.EVENT_LOOP);
        assertThat(ProfileSummary.kind("[C2 CompilerThre tid=10];[unknown]")).isEqualTo(ThreadKind.JIT);
    }

    @Test
    void countsTheFanOutOnAnEventLoopBothAsEventLoopAndAsUnderDrain() {
        assertThat(summary().inDrain()).isEqualTo(15 + 12);
    }

    @Test
    void splitsTheFanOutByWhoseCodeEachSampleWasIn() {
        ProfileSummary summary = summary();

        assertThat(summary.inDrain(ProfileSummary.Owner.KERNEL)).isEqualTo(15);
        assertThat(summary.inDrain(ProfileSummary.Owner.SWITCHBOARD)).isEqualTo(12);
        assertThat(summary.inDrain(ProfileSummary.Owner.TOMCAT)).isZero();
    }

    @Test
    void aJdkMethodCalledByTomcatCountsAsTheJdks() {
        String[] frames = "[t];java/lang/Thread.run;io/switchboard/internal/core/TopicInbox.drain;org/apache/tomcat/websocket/WsRemoteEndpointImplBase.startMessage;sun/nio/ch/IOUtil.write".split(";");

        assertThat(ProfileSummary.Owner.of(frames)).isEqualTo(ProfileSummary.Owner.JDK);
        assertThat(ProfileSummary.Owner.of(new String[] {"[t]", "Interpreter"})).isEqualTo(ProfileSummary.Owner.OTHER);
    }

    @Test
    void countsSamplesWhoseLeafIsAKernelFrame() {
        assertThat(summary().kernelLeaf()).isEqualTo(20 + 10 + 15 + 6);
    }

    @Test
    void ranksLeafFramesBySelfSamplesAcrossStacks() {
        assertThat(summary().topLeaves(3)).containsExactly(
                Map.entry("writev_[k]", 35L),
                Map.entry("io/switchboard/internal/core/Fanout.run", 12L),
                Map.entry("do_epoll_wait_[k]", 10L));
    }

    @Test
    void writesTheSummaryBesideTheCollapsedFileUnderTheSameName(@TempDir Path dir) throws IOException {
        Path collapsed = dir.resolve("broadcast-2n-node-1.collapsed");
        Files.writeString(collapsed, COLLAPSED);

        Path file = ProfileSummary.writeBeside(collapsed, "broadcast, node 1");

        assertThat(file).isEqualTo(dir.resolve("broadcast-2n-node-1.txt"));
        assertThat(Files.readAllLines(file)).startsWith("broadcast, node 1", "total samples: 100")
                .contains("    25.0%         25  Tomcat request threads (TaskThread, *-exec-*)",
                        "kernel leaf frames (_[k]): 51.0% (51)",
                        "    35.0%         35  writev_[k]");
    }
}
