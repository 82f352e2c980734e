using System.ComponentModel.DataAnnotations;

namespace Aventora.ServiceDefaults.Messaging;

/// <summary>Binds the <c>RabbitMq</c> section. The password is a secret: never logged.</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required(ErrorMessage = "RabbitMq:Host is required.")]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535, ErrorMessage = "RabbitMq:Port must be a TCP port (1-65535).")]
    public int Port { get; set; } = 5672;

    [Required(ErrorMessage = "RabbitMq:VirtualHost is required (\"/\" for the default).")]
    public string VirtualHost { get; set; } = "/";

    [Required(ErrorMessage = "RabbitMq:Username is required.")]
    public string Username { get; set; } = "guest";

    [Required(ErrorMessage = "RabbitMq:Password is required.")]
    public string Password { get; set; } = "guest";

    /// <summary>How long a producer waits for the broker to confirm a publish before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "RabbitMq:PublishTimeout must be between 100 ms and 5 minutes.")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a transient failure inside a consumer, with exponential backoff, before the message goes to its _error queue.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 6;

    /// <summary>Messages the broker hands each receive endpoint ahead of time.</summary>
    [Range(1, 10_000, ErrorMessage = "RabbitMq:PrefetchCount must be between 1 and 10000.")]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>Messages each receive endpoint works on at once; keep it near Postgres:MaxPoolSize so consumers rarely wait for a connection.</summary>
    [Range(1, 1_000, ErrorMessage = "RabbitMq:ConcurrentMessageLimit must be between 1 and 1000.")]
    public int ConcurrentMessageLimit { get; set; } = 16;
}
